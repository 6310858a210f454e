package dev.jvirtiofsd.vhostuser.sys;

/** Shared read-write mappings of memory files (guest RAM). */
public final class Mmap {
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long MAP_FAILED = -1L;

    /** Page size that mmap offsets must be a multiple of (4 KiB on x86-64; 64 KiB covers arm64). */
    public static final long PAGE_SIZE = 4096;

    private Mmap() {
    }

    /**
     * Maps {@code length} bytes of {@code fd} from {@code offset} (a multiple of {@link
     * #PAGE_SIZE}) shared, readable and writable. Returns the mapping's address.
     */
    public static long mapShared(int fd, long offset, long length) throws ErrnoException {
        long address = LibC.INSTANCE.mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, offset);
        if (address == MAP_FAILED) {
            throw ErrnoException.last("mmap");
        }
        return address;
    }

    public static void unmap(long address, long length) throws ErrnoException {
        if (LibC.INSTANCE.munmap(address, length) < 0) {
            throw ErrnoException.last("munmap");
        }
    }
}
