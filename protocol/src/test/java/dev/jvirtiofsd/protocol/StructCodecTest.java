package dev.jvirtiofsd.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Encodes every struct holder with distinct values, checks that each value lands at the offset
 * and width the kernel header gives and that padding is zeroed and nothing outside the struct
 * is touched, then decodes it back.
 */
class StructCodecTest {
    private static final int AT = 8;
    private static final byte GARBAGE = (byte) 0xA5;

    private static KernelHeader header;
    private final Random random = new Random(42);

    @BeforeAll
    static void readHeader() {
        header = KernelHeader.read(KernelHeader.FUSE_H);
    }

    @Test
    void everyStructRoundTripsAtTheKernelOffsets() throws Exception {
        for (Class<?> type : WireStructs.KERNEL_NAMES.keySet()) {
            KernelHeader.Struct kernel = header.struct(WireStructs.KERNEL_NAMES.get(type));
            Object written = type.getConstructor().newInstance();
            fill(written, kernel);

            ByteBuffer b = garbageBuffer(kernel.size() + 2 * AT);
            type.getMethod("encode", ByteBuffer.class, int.class).invoke(written, b, AT);
            checkPlacement(written, kernel, b, AT, type.getSimpleName());
            for (int i = 0; i < AT; i++) {
                assertEquals(GARBAGE, b.get(i), type.getSimpleName() + " wrote before its start");
                assertEquals(GARBAGE, b.get(AT + kernel.size() + i), type.getSimpleName() + " wrote past its end");
            }

            Object read = type.getConstructor().newInstance();
            Object returned = type.getMethod("decode", ByteBuffer.class, int.class).invoke(read, b, AT);
            assertTrue(returned == read, "decode returns the holder");
            assertSameValues(written, read, kernel, type.getSimpleName());
        }
    }

    @Test
    void unsignedShortsKeepTheirHighBit() {
        InHeader h = new InHeader();
        h.totalExtlen = 0xFFFF;
        ByteBuffer b = garbageBuffer(InHeader.BYTES);
        h.encode(b, 0);
        assertEquals(0xFFFF, new InHeader().decode(b, 0).totalExtlen);
        InitOut o = new InitOut();
        o.maxBackground = 65535;
        o.congestionThreshold = 49149;
        o.maxPages = 256;
        ByteBuffer c = garbageBuffer(InitOut.BYTES);
        o.encode(c, 0);
        InitOut back = new InitOut().decode(c, 0);
        assertEquals(65535, back.maxBackground);
        assertEquals(49149, back.congestionThreshold);
        assertEquals(256, back.maxPages);
    }

    @Test
    void initInCompatFormIgnoresFlags2() {
        ByteBuffer b = garbageBuffer(InitIn.BYTES);
        b.putInt(InitIn.MAJOR, 7).putInt(InitIn.MINOR, 38).putInt(InitIn.MAX_READAHEAD, 0x20000);
        b.putInt(InitIn.FLAGS, 0x7bfffffb).putInt(InitIn.FLAGS2, 0xb);
        InitIn in = new InitIn().decodeCompat(b, 0);
        assertEquals(7, in.major);
        assertEquals(38, in.minor);
        assertEquals(0x20000, in.maxReadahead);
        assertEquals(0, in.flags2);
        assertEquals(0x7bfffffbL, in.allFlags());

        in.decode(b, 0);
        assertEquals(0xb_7bfffffbL, in.allFlags(), "INIT_EXT set: flags2 is the high half");
        b.putInt(InitIn.FLAGS, 0x3bfffffb); // INIT_EXT clear
        in.decode(b, 0);
        assertEquals(0x3bfffffbL, in.allFlags(), "without INIT_EXT flags2 is not meaningful");
    }

    @Test
    void setxattrInCompatFormHasNoSetxattrFlags() {
        ByteBuffer b = garbageBuffer(SetxattrIn.BYTES);
        b.putInt(SetxattrIn.SIZE, 5).putInt(SetxattrIn.FLAGS, 2).putInt(SetxattrIn.SETXATTR_FLAGS, 1);
        SetxattrIn in = new SetxattrIn().decodeCompat(b, 0);
        assertEquals(5, in.size);
        assertEquals(2, in.flags);
        assertEquals(0, in.setxattrFlags);
        assertEquals(1, in.decode(b, 0).setxattrFlags);
    }

    @Test
    void direntRecordsArePaddedToEightBytes() {
        assertEquals(32, Dirent.recordLength(1));
        assertEquals(32, Dirent.recordLength(8));
        assertEquals(40, Dirent.recordLength(9));
        assertEquals(160, DirentPlus.recordLength(1));
        assertEquals(160, DirentPlus.recordLength(8));
        assertEquals(168, DirentPlus.recordLength(9));

        byte[] name = "hello.txt-and-more".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = garbageBuffer(64);
        int length = Dirent.write(b, 8, 1234, 77, 8, name, 9);
        assertEquals(40, length);
        Dirent d = new Dirent().decode(b, 8);
        assertEquals(1234, d.ino);
        assertEquals(77, d.off);
        assertEquals(9, d.namelen);
        assertEquals(8, d.type);
        assertArrayEquals("hello.txt".getBytes(StandardCharsets.UTF_8), d.name(b, 8));
        for (int i = 8 + Dirent.NAME + 9; i < 8 + length; i++) {
            assertEquals(0, b.get(i), "padding byte " + i);
        }
        assertEquals(GARBAGE, b.get(8 + length), "nothing written past the record");
    }

    @Test
    void initFlagsCombineAndDescribe() {
        assertEquals(0xFFFF_FFFF_8000_0001L, InitFlags.combine(0x8000_0001, 0xFFFF_FFFF));
        assertEquals("ASYNC_READ|INIT_EXT|ALLOW_IDMAP|bit63",
            InitFlags.describe(InitFlags.ASYNC_READ | InitFlags.INIT_EXT | InitFlags.ALLOW_IDMAP | (1L << 63)));
        assertEquals("", InitFlags.describe(0));
    }

    private void fill(Object holder, KernelHeader.Struct kernel) throws Exception {
        for (KernelHeader.Field f : kernel.fields().values()) {
            if (WireStructs.isPadding(f.name()) || f.size() == 0) {
                continue;
            }
            Field jf = holder.getClass().getField(WireStructs.javaFieldName(f.name()));
            if (f.nested() != null) {
                fill(jf.get(holder), header.struct(f.nested()));
            } else if (f.size() == 8) {
                jf.setLong(holder, random.nextLong());
            } else if (f.size() == 4) {
                jf.setInt(holder, random.nextInt());
            } else if (f.size() == 2) {
                jf.setInt(holder, 0x8000 | random.nextInt(0x8000));
            } else {
                throw new AssertionError("unexpected member size " + f);
            }
        }
    }

    private void checkPlacement(Object holder, KernelHeader.Struct kernel, ByteBuffer b, int at, String where)
            throws Exception {
        for (KernelHeader.Field f : kernel.fields().values()) {
            int pos = at + f.offset();
            String what = where + "." + f.name();
            if (WireStructs.isPadding(f.name())) {
                for (int i = 0; i < f.size(); i++) {
                    assertEquals(0, b.get(pos + i), what + " is zeroed");
                }
                continue;
            }
            if (f.size() == 0) {
                continue;
            }
            Field jf = holder.getClass().getField(WireStructs.javaFieldName(f.name()));
            if (f.nested() != null) {
                checkPlacement(jf.get(holder), header.struct(f.nested()), b, pos, what);
            } else if (f.size() == 8) {
                assertEquals(jf.getLong(holder), b.getLong(pos), what);
            } else if (f.size() == 4) {
                assertEquals(jf.getInt(holder), b.getInt(pos), what);
            } else {
                assertEquals(jf.getInt(holder), Short.toUnsignedInt(b.getShort(pos)), what);
            }
        }
    }

    private void assertSameValues(Object expected, Object actual, KernelHeader.Struct kernel, String where)
            throws Exception {
        for (KernelHeader.Field f : kernel.fields().values()) {
            if (WireStructs.isPadding(f.name()) || f.size() == 0) {
                continue;
            }
            Field jf = expected.getClass().getField(WireStructs.javaFieldName(f.name()));
            if (f.nested() != null) {
                assertSameValues(jf.get(expected), jf.get(actual), header.struct(f.nested()), where + "." + f.name());
            } else {
                assertEquals(jf.get(expected), jf.get(actual), where + "." + f.name());
            }
        }
    }

    private static ByteBuffer garbageBuffer(int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            b.put(i, GARBAGE);
        }
        return b;
    }
}
