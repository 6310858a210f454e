package dev.jvirtiofsd.vhostuser.memory;

import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.Mmap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One region's fd mapped MAP_SHARED into this process. */
final class Mapping {
    private static final Logger LOG = LoggerFactory.getLogger(Mapping.class);

    private final long base;
    private final long length;
    /** Address of the region's first byte (the mapping starts at the page holding it). */
    private final long regionAddress;
    private boolean unmapped;

    private Mapping(long base, long length, long regionAddress) {
        this.base = base;
        this.length = length;
        this.regionAddress = regionAddress;
    }

    /**
     * Maps {@code region} from {@code fd}. Refuses a region that runs past the end of its file
     * (touching such a page would kill the process with SIGBUS). Does not close {@code fd}.
     */
    static Mapping map(RegionDescription region, int fd) throws InvalidRegionException {
        try {
            long fileSize = Fds.regularFileSize(fd);
            if (fileSize >= 0 && Long.compareUnsigned(region.mmapOffset() + region.size(), fileSize) > 0) {
                throw new InvalidRegionException(region + " runs past the end of its file (" + fileSize + " bytes)");
            }
            long pageOffset = region.mmapOffset() & ~(Mmap.PAGE_SIZE - 1);
            long lead = region.mmapOffset() - pageOffset;
            long length = region.size() + lead;
            long base = Mmap.mapShared(fd, pageOffset, length);
            return new Mapping(base, length, base + lead);
        } catch (ErrnoException e) {
            throw new InvalidRegionException("cannot map " + region + ": " + e.getMessage(), e);
        }
    }

    long regionAddress() {
        return regionAddress;
    }

    synchronized void unmap() {
        if (!unmapped) {
            unmapped = true;
            try {
                Mmap.unmap(base, length);
            } catch (ErrnoException e) {
                LOG.warn("munmap of guest memory failed: {}", e.getMessage());
            }
        }
    }
}
