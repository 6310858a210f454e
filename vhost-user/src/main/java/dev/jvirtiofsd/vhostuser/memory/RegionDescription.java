package dev.jvirtiofsd.vhostuser.memory;

/**
 * A guest memory region as vhost-user describes it ({@code VhostUserMemoryRegion}): where it sits
 * in guest-physical space, its size, where the frontend mapped it, and the offset of its first
 * byte in the fd that comes with the message.
 */
public record RegionDescription(long guestAddress, long size, long userAddress, long mmapOffset) {

    /** Wire size of one region: four little-endian u64s. */
    public static final int WIRE_SIZE = 32;

    /** Guest-physical address just past the region (unsigned). */
    public long guestEnd() {
        return guestAddress + size;
    }

    /** Frontend virtual address just past the region (unsigned). */
    public long userEnd() {
        return userAddress + size;
    }

    /**
     * Why this description cannot be mapped, or null when it is sane: the size is not zero and
     * no range wraps the 64-bit address space.
     */
    public String problem() {
        if (size == 0) {
            return "zero-sized region";
        }
        if (size < 0 || mmapOffset < 0) {
            return "region size or mmap offset of 2^63 bytes or more";
        }
        if (Long.compareUnsigned(guestEnd(), guestAddress) < 0) {
            return "guest address range wraps";
        }
        if (Long.compareUnsigned(userEnd(), userAddress) < 0) {
            return "user address range wraps";
        }
        if (mmapOffset + size < 0) {
            return "mmap offset range wraps";
        }
        return null;
    }

    /** True when the guest-physical ranges of the two regions share a byte. */
    public boolean guestOverlaps(RegionDescription other) {
        return Long.compareUnsigned(guestAddress, other.guestAddress + other.size - 1) <= 0
                && Long.compareUnsigned(other.guestAddress, guestAddress + size - 1) <= 0;
    }

    /** True when the frontend-virtual ranges of the two regions share a byte. */
    public boolean userOverlaps(RegionDescription other) {
        return Long.compareUnsigned(userAddress, other.userAddress + other.size - 1) <= 0
                && Long.compareUnsigned(other.userAddress, userAddress + size - 1) <= 0;
    }

    @Override
    public String toString() {
        return String.format("region[gpa 0x%x size 0x%x uaddr 0x%x offset 0x%x]", guestAddress, size, userAddress, mmapOffset);
    }
}
