package dev.jvirtiofsd.daemon.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NativeBufferTest {
    static void fill(NativeBuffer buffer, byte value) {
        byte[] bytes = new byte[(int) buffer.size()];
        java.util.Arrays.fill(bytes, value);
        buffer.put(0, bytes, 0, bytes.length);
    }

    @Test
    void zeroedReadableWritableAndBounded() {
        try (NativeBuffer b = NativeBuffer.allocate(64)) {
            assertNotEquals(0, b.address());
            assertEquals(0, b.getLong(56), "calloc zeroes");
            b.put(3, new byte[] {1, 2, 3}, 0, 3);
            byte[] out = new byte[5];
            b.get(2, out, 0, 5);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, out);
            b.putIovec(1, 0x1234, 99);
            assertEquals(0x1234, b.getLong(16));
            assertEquals(99, b.getLong(24));
            assertThrows(IndexOutOfBoundsException.class, () -> b.getLong(57));
            assertThrows(IndexOutOfBoundsException.class, () -> b.put(-1, new byte[1], 0, 1));
        }
    }

    @Test
    void closeIsIdempotentAndFinal() {
        NativeBuffer b = NativeBuffer.allocate(8);
        b.close();
        b.close();
        assertThrows(IllegalStateException.class, b::address);
        assertThrows(IllegalArgumentException.class, () -> NativeBuffer.allocate(0));
    }
}
