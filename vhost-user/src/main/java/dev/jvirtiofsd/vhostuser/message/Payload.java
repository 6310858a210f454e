package dev.jvirtiofsd.vhostuser.message;

import dev.jvirtiofsd.vhostuser.memory.RegionDescription;
import java.nio.ByteBuffer;

/** Layouts of the message payloads, shared by the backend and the frontend. Little-endian. */
public final class Payload {
    public static final int U64_SIZE = 8;
    /** struct vhost_vring_state: u32 index, u32 num. */
    public static final int VRING_STATE_SIZE = 8;
    /** struct vhost_vring_addr: u32 index, u32 flags, u64 desc, u64 used, u64 avail, u64 log. */
    public static final int VRING_ADDRESS_SIZE = 40;
    /** VhostUserMemRegMsg: u64 padding, one region. */
    public static final int MEMORY_REGION_MESSAGE_SIZE = 8 + RegionDescription.WIRE_SIZE;
    /** VhostUserMemory: u32 region count, u32 padding, then the regions. */
    public static final int MEMORY_TABLE_HEADER_SIZE = 8;
    /** At most this many regions in one SET_MEM_TABLE (VHOST_MEMORY_BASELINE_NREGIONS). */
    public static final int MEMORY_TABLE_MAX_REGIONS = 8;
    /** VhostUserConfig: u32 offset, u32 size, u32 flags, then the bytes. */
    public static final int CONFIG_HEADER_SIZE = 12;
    public static final int CONFIG_MAX_SIZE = 256;

    /** In SET_VRING_KICK/CALL/ERR payloads: the queue index bits. */
    public static final long VRING_INDEX_MASK = 0xff;
    /** In SET_VRING_KICK/CALL/ERR payloads: no fd comes with the message. */
    public static final long VRING_NO_FD = 0x100;

    /** A vring index and a number (size, base, or enable flag). */
    public record VringState(int index, long num) {
    }

    /** Ring addresses, in the frontend's virtual address space. */
    public record VringAddress(int index, int flags, long descriptors, long used, long available, long log) {
    }

    private Payload() {
    }

    public static VringState readVringState(ByteBuffer payload) {
        return new VringState(payload.getInt(0), Integer.toUnsignedLong(payload.getInt(4)));
    }

    public static void writeVringState(ByteBuffer buffer, int index, long num) {
        buffer.putInt(index).putInt((int) num);
    }

    public static VringAddress readVringAddress(ByteBuffer payload) {
        return new VringAddress(payload.getInt(0), payload.getInt(4), payload.getLong(8), payload.getLong(16),
                payload.getLong(24), payload.getLong(32));
    }

    public static void writeVringAddress(ByteBuffer buffer, VringAddress address) {
        buffer.putInt(address.index()).putInt(address.flags()).putLong(address.descriptors())
                .putLong(address.used()).putLong(address.available()).putLong(address.log());
    }

    public static RegionDescription readRegion(ByteBuffer payload, int offset) {
        return new RegionDescription(payload.getLong(offset), payload.getLong(offset + 8), payload.getLong(offset + 16),
                payload.getLong(offset + 24));
    }

    public static void writeRegion(ByteBuffer buffer, RegionDescription region) {
        buffer.putLong(region.guestAddress()).putLong(region.size()).putLong(region.userAddress())
                .putLong(region.mmapOffset());
    }
}
