package dev.jvirtiofsd.vhostuser.memory;

import dev.jvirtiofsd.vhostuser.sys.Fds;
import java.util.ArrayList;
import java.util.List;

/**
 * The backend's view of guest memory over one connection: the current {@link GuestMemory}
 * snapshot, replaced atomically by SET_MEM_TABLE, ADD_MEM_REG and REM_MEM_REG, and the mappings
 * those messages replaced. A replaced mapping stays mapped (a queue worker may still read through
 * an older snapshot) until {@link #releaseRetired()} is called while no queue runs.
 *
 * <p>Changes come from the connection's control thread only; {@link #current()} may be read from
 * any thread.
 */
public final class MemoryMap implements AutoCloseable {
    /** The most regions the map holds (GET_MAX_MEM_SLOTS), as KVM allows. */
    public static final int MAX_REGIONS = 509;

    private volatile GuestMemory current = GuestMemory.EMPTY;
    private final List<Mapping> retired = new ArrayList<>();

    public GuestMemory current() {
        return current;
    }

    /**
     * Replaces the whole table (SET_MEM_TABLE). Takes ownership of {@code fds} (one per region,
     * closed here). On failure the previous table stays in place.
     */
    public synchronized void replace(List<RegionDescription> regions, int[] fds) throws InvalidRegionException {
        try {
            if (regions.size() != fds.length) {
                throw new InvalidRegionException(regions.size() + " regions but " + fds.length + " fds");
            }
            for (int i = 0; i < regions.size(); i++) {
                checkDescription(regions.get(i));
                for (int j = 0; j < i; j++) {
                    checkDisjoint(regions.get(i), regions.get(j));
                }
            }
            List<Mapping> mapped = new ArrayList<>();
            try {
                for (int i = 0; i < regions.size(); i++) {
                    mapped.add(Mapping.map(regions.get(i), fds[i]));
                }
            } catch (InvalidRegionException e) {
                mapped.forEach(Mapping::unmap);
                throw e;
            }
            GuestMemory previous = current;
            current = new GuestMemory(regions, mapped);
            retired.addAll(previous.mappings());
        } finally {
            Fds.closeAll(fds);
        }
    }

    /** Adds one region (ADD_MEM_REG). Takes ownership of {@code fd}. */
    public synchronized void add(RegionDescription region, int fd) throws InvalidRegionException {
        try {
            checkDescription(region);
            GuestMemory previous = current;
            if (previous.regionCount() >= MAX_REGIONS) {
                throw new InvalidRegionException("already " + MAX_REGIONS + " regions");
            }
            for (RegionDescription existing : previous.regions()) {
                checkDisjoint(region, existing);
            }
            Mapping mapping = Mapping.map(region, fd);
            List<RegionDescription> regions = new ArrayList<>(previous.regions());
            List<Mapping> mappings = new ArrayList<>(previous.mappings());
            regions.add(region);
            mappings.add(mapping);
            current = new GuestMemory(regions, mappings);
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /**
     * Removes the region with the same guest address, user address and size (REM_MEM_REG; the
     * mmap offset is ignored, as the specification says).
     */
    public synchronized void remove(RegionDescription region) throws InvalidRegionException {
        GuestMemory previous = current;
        List<RegionDescription> regions = new ArrayList<>(previous.regions());
        List<Mapping> mappings = new ArrayList<>(previous.mappings());
        for (int i = 0; i < regions.size(); i++) {
            RegionDescription r = regions.get(i);
            if (r.guestAddress() == region.guestAddress() && r.userAddress() == region.userAddress() && r.size() == region.size()) {
                regions.remove(i);
                retired.add(mappings.remove(i));
                current = new GuestMemory(regions, mappings);
                return;
            }
        }
        throw new InvalidRegionException("no such region to remove: " + region);
    }

    /** Unmaps the mappings replaced so far. Only call when no queue worker can read them. */
    public synchronized void releaseRetired() {
        retired.forEach(Mapping::unmap);
        retired.clear();
    }

    /** True when replaced mappings wait for {@link #releaseRetired()}. */
    public synchronized boolean hasRetired() {
        return !retired.isEmpty();
    }

    /** Unmaps everything; the map is then empty. Only call when no queue worker runs. */
    @Override
    public synchronized void close() {
        GuestMemory previous = current;
        current = GuestMemory.EMPTY;
        previous.mappings().forEach(Mapping::unmap);
        releaseRetired();
    }

    private static void checkDescription(RegionDescription region) throws InvalidRegionException {
        String problem = region.problem();
        if (problem != null) {
            throw new InvalidRegionException(problem + ": " + region);
        }
    }

    private static void checkDisjoint(RegionDescription a, RegionDescription b) throws InvalidRegionException {
        if (a.guestOverlaps(b)) {
            throw new InvalidRegionException("guest addresses of " + a + " overlap " + b);
        }
        if (a.userOverlaps(b)) {
            throw new InvalidRegionException("user addresses of " + a + " overlap " + b);
        }
    }
}
