package dev.jvirtiofsd.vhostuser.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable snapshot of the guest's memory map: the mapped regions, with translation of
 * guest-physical addresses (descriptor buffers) and frontend virtual addresses (ring addresses)
 * to addresses in this process. Every translation checks the whole (address, length) range.
 *
 * <p>A snapshot is never modified: a new memory table produces a new snapshot, published
 * atomically by {@link MemoryMap}, so queue workers can translate without locks.
 */
public final class GuestMemory {
    /** Returned by the translations for a range that is not entirely inside guest memory. */
    public static final long NOT_MAPPED = 0;

    static final GuestMemory EMPTY = new GuestMemory(List.of(), List.of());

    private final List<RegionDescription> descriptions;
    private final List<Mapping> mappings;
    // Sorted by guest-physical address; ends are exclusive.
    private final long[] guestStarts;
    private final long[] guestEnds;
    private final long[] guestHosts;
    // Sorted by frontend virtual address.
    private final long[] userStarts;
    private final long[] userEnds;
    private final long[] userHosts;

    GuestMemory(List<RegionDescription> descriptions, List<Mapping> mappings) {
        int n = descriptions.size();
        Integer[] byGuest = new Integer[n];
        Integer[] byUser = new Integer[n];
        for (int i = 0; i < n; i++) {
            byGuest[i] = i;
            byUser[i] = i;
        }
        Arrays.sort(byGuest, Comparator.comparing(i -> descriptions.get(i).guestAddress(), Long::compareUnsigned));
        Arrays.sort(byUser, Comparator.comparing(i -> descriptions.get(i).userAddress(), Long::compareUnsigned));
        List<RegionDescription> sortedDescriptions = new ArrayList<>(n);
        List<Mapping> sortedMappings = new ArrayList<>(n);
        guestStarts = new long[n];
        guestEnds = new long[n];
        guestHosts = new long[n];
        userStarts = new long[n];
        userEnds = new long[n];
        userHosts = new long[n];
        for (int k = 0; k < n; k++) {
            RegionDescription g = descriptions.get(byGuest[k]);
            sortedDescriptions.add(g);
            sortedMappings.add(mappings.get(byGuest[k]));
            guestStarts[k] = g.guestAddress();
            guestEnds[k] = g.guestEnd();
            guestHosts[k] = mappings.get(byGuest[k]).regionAddress();
            RegionDescription u = descriptions.get(byUser[k]);
            userStarts[k] = u.userAddress();
            userEnds[k] = u.userEnd();
            userHosts[k] = mappings.get(byUser[k]).regionAddress();
        }
        this.descriptions = List.copyOf(sortedDescriptions);
        this.mappings = List.copyOf(sortedMappings);
    }

    public int regionCount() {
        return guestStarts.length;
    }

    /** The regions, sorted by guest-physical address. */
    public List<RegionDescription> regions() {
        return descriptions;
    }

    List<Mapping> mappings() {
        return mappings;
    }

    /** Index (in guest-physical order) of the region holding {@code gpa}, or -1. */
    public int findGuestRegion(long gpa) {
        return find(guestStarts, guestEnds, gpa);
    }

    /** Guest-physical address just past region {@code region}. */
    public long guestRegionEnd(int region) {
        return guestEnds[region];
    }

    /** Address in this process of {@code gpa}, which must lie in region {@code region}. */
    public long hostAddress(int region, long gpa) {
        return guestHosts[region] + (gpa - guestStarts[region]);
    }

    /**
     * Address in this process of guest-physical range [gpa, gpa + length), which must lie inside
     * one region; {@link #NOT_MAPPED} otherwise (also when the range wraps).
     */
    public long translateGuest(long gpa, long length) {
        int region = find(guestStarts, guestEnds, gpa);
        if (region < 0 || !fits(gpa, length, guestEnds[region])) {
            return NOT_MAPPED;
        }
        return guestHosts[region] + (gpa - guestStarts[region]);
    }

    /**
     * Address in this process of frontend virtual range [uaddr, uaddr + length), which must lie
     * inside one region; {@link #NOT_MAPPED} otherwise.
     */
    public long translateUser(long uaddr, long length) {
        int region = find(userStarts, userEnds, uaddr);
        if (region < 0 || !fits(uaddr, length, userEnds[region])) {
            return NOT_MAPPED;
        }
        return userHosts[region] + (uaddr - userStarts[region]);
    }

    private static boolean fits(long start, long length, long regionEnd) {
        long end = start + length;
        return length >= 0 && Long.compareUnsigned(end, start) >= 0 && Long.compareUnsigned(end, regionEnd) <= 0;
    }

    private static int find(long[] starts, long[] ends, long address) {
        int low = 0;
        int high = starts.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(address, starts[mid]) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address, ends[mid]) >= 0) {
                low = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}
