package dev.jvirtiofsd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The FUSE 7.39 STATX structs, which the installed 7.38 {@code linux/fuse.h} lacks. The
 * expected offsets are those of Linux 6.12's {@code include/uapi/linux/fuse.h} (7.41), where
 * {@code struct fuse_statx} mirrors {@code struct statx} member for member:
 * <pre>
 * struct fuse_sx_time { int64_t tv_sec; uint32_t tv_nsec; int32_t __reserved; };
 * struct fuse_statx { uint32_t mask, blksize; uint64_t attributes; uint32_t nlink, uid, gid;
 *     uint16_t mode, __spare0[1]; uint64_t ino, size, blocks, attributes_mask;
 *     struct fuse_sx_time atime, btime, ctime, mtime;
 *     uint32_t rdev_major, rdev_minor, dev_major, dev_minor; uint64_t __spare2[14]; };
 * struct fuse_statx_in { uint32_t getattr_flags, reserved; uint64_t fh; uint32_t sx_flags, sx_mask; };
 * struct fuse_statx_out { uint64_t attr_valid; uint32_t attr_valid_nsec, flags; uint64_t spare[2];
 *     struct fuse_statx stat; };
 * </pre>
 */
class StatxLayoutTest {

    @Test
    void statxInHasTheKernelLayout() {
        assertEquals(24, StatxIn.BYTES);
        assertEquals(0, StatxIn.GETATTR_FLAGS);
        assertEquals(4, StatxIn.RESERVED);
        assertEquals(8, StatxIn.FH);
        assertEquals(16, StatxIn.SX_FLAGS);
        assertEquals(20, StatxIn.SX_MASK);
    }

    @Test
    void statxOutHasTheKernelLayout() {
        assertEquals(16, StatxOut.SX_TIME_BYTES);
        assertEquals(256, StatxOut.STATX_BYTES);
        assertEquals(32 + 256, StatxOut.BYTES);
        assertEquals(8, StatxOut.ATTR_VALID_NSEC);
        assertEquals(12, StatxOut.FLAGS);
        assertEquals(16, StatxOut.SPARE);
        assertEquals(32, StatxOut.STAT);
        int[] expected = {0, 4, 8, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 132, 136, 140, 144};
        int[] ours = {StatxOut.SX_MASK, StatxOut.SX_BLKSIZE, StatxOut.SX_ATTRIBUTES, StatxOut.SX_NLINK,
            StatxOut.SX_UID, StatxOut.SX_GID, StatxOut.SX_MODE, StatxOut.SX_INO, StatxOut.SX_SIZE,
            StatxOut.SX_BLOCKS, StatxOut.SX_ATTRIBUTES_MASK, StatxOut.SX_ATIME, StatxOut.SX_BTIME,
            StatxOut.SX_CTIME, StatxOut.SX_MTIME, StatxOut.SX_RDEV_MAJOR, StatxOut.SX_RDEV_MINOR,
            StatxOut.SX_DEV_MAJOR, StatxOut.SX_DEV_MINOR, StatxOut.SX_SPARE2};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ours[i], "member " + i + " of struct fuse_statx");
        }
        assertEquals(StatxOut.STATX_BYTES, StatxOut.SX_SPARE2 + 14 * 8);
    }

    @Test
    void aRoundTripKeepsEveryFieldAndZeroesTheSpares() {
        ByteBuffer b = ByteBuffer.allocate(8 + StatxOut.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a);
        }
        StatxOut out = new StatxOut();
        out.attrValid = 86400;
        out.attrValidNsec = 7;
        out.mask = 0xfff;
        out.blksize = 4096;
        out.nlink = 3;
        out.uid = 1000;
        out.gid = 100;
        out.mode = 0100644;
        out.ino = 1L << 40;
        out.size = 12345;
        out.blocks = 24;
        out.atimeSec = 1;
        out.atimeNsec = 2;
        out.btimeSec = -3;
        out.btimeNsec = 4;
        out.ctimeSec = 5;
        out.ctimeNsec = 6;
        out.mtimeSec = 7;
        out.mtimeNsec = 999_999_999;
        out.rdevMajor = 8;
        out.rdevMinor = 9;
        out.devMajor = 10;
        out.devMinor = 11;
        out.encode(b, 8);
        StatxOut back = new StatxOut().decode(b, 8);
        assertEquals(86400, back.attrValid);
        assertEquals(0100644, back.mode);
        assertEquals(-3, back.btimeSec);
        assertEquals(999_999_999, back.mtimeNsec);
        assertEquals(11, back.devMinor);
        assertEquals(0L, b.getLong(8 + StatxOut.SPARE));
        assertEquals(0, b.getShort(8 + StatxOut.STAT + StatxOut.SX_MODE + 2));
        assertEquals(0, b.getInt(8 + StatxOut.STAT + StatxOut.SX_BTIME + 12), "__reserved");
        for (int i = StatxOut.SX_SPARE2; i < StatxOut.STATX_BYTES; i++) {
            assertEquals(0, b.get(8 + StatxOut.STAT + i), "__spare2 byte " + i);
        }
        assertEquals(0x5a, b.get(7), "nothing written before the struct");
    }

    @Test
    void theServedMinorKnowsStatx() {
        assertTrue(FuseProtocol.MAX_KERNEL_MINOR_VERSION >= 39, "STATX needs 7.39");
        assertTrue(FuseProtocol.MAX_KERNEL_MINOR_VERSION >= FuseProtocol.KERNEL_MINOR_VERSION);
    }
}
