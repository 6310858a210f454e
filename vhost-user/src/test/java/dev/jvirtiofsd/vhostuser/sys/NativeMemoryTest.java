package dev.jvirtiofsd.vhostuser.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {
    private long memory;

    @BeforeEach
    void allocate() {
        memory = NativeMemory.allocate(4096);
    }

    @AfterEach
    void free() {
        NativeMemory.free(memory);
    }

    @Test
    void allocatedMemoryIsZeroed() {
        for (int i = 0; i < 4096; i += 8) {
            assertEquals(0, NativeMemory.getLong(memory + i));
        }
    }

    @Test
    void valuesAreLittleEndian() {
        NativeMemory.putLong(memory, 0x1122334455667788L);
        assertEquals(0x88, NativeMemory.getByte(memory) & 0xff);
        assertEquals(0x7788, NativeMemory.getUnsignedShort(memory));
        assertEquals(0x55667788, NativeMemory.getInt(memory));
        NativeMemory.putShort(memory + 16, 0xfffe);
        assertEquals(0xfffe, NativeMemory.getUnsignedShort(memory + 16));
        NativeMemory.putShortRelease(memory + 18, 65535);
        assertEquals(65535, NativeMemory.getUnsignedShortAcquire(memory + 18));
    }

    @Test
    void copiesBetweenNativeMemoryAndHeapOrDirectBuffers() {
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        ByteBuffer heap = ByteBuffer.wrap(data);
        heap.position(10);
        NativeMemory.copyFromBuffer(heap, memory, 50);
        assertEquals(60, heap.position());
        assertEquals(data[10], NativeMemory.getByte(memory));
        assertEquals(data[59], NativeMemory.getByte(memory + 49));

        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        direct.position(4);
        NativeMemory.copyToBuffer(memory, direct, 50);
        assertEquals(54, direct.position());
        byte[] back = new byte[50];
        direct.position(4);
        direct.get(back);
        byte[] expected = new byte[50];
        System.arraycopy(data, 10, expected, 0, 50);
        assertArrayEquals(expected, back);

        ByteBuffer readOnly = ByteBuffer.wrap(data).asReadOnlyBuffer();
        NativeMemory.copyFromBuffer(readOnly, memory + 1000, 100);
        assertEquals(100, readOnly.position());
        byte[] copy = new byte[100];
        NativeMemory.copyToBuffer(memory + 1000, ByteBuffer.wrap(copy), 100);
        assertArrayEquals(data, copy);
    }

    @Test
    void viewSharesTheMemory() {
        ByteBuffer view = NativeMemory.view(memory + 8, 16);
        assertEquals(ByteOrder.LITTLE_ENDIAN, view.order());
        view.putInt(0, 0xcafe);
        assertEquals(0xcafe, NativeMemory.getInt(memory + 8));
        assertEquals(memory + 8, NativeMemory.address(view));
        NativeMemory.fill(memory + 8, 4, (byte) 0);
        assertEquals(0, view.getInt(0));
        NativeMemory.putLong(memory, 42);
        NativeMemory.copy(memory, memory + 100, 8);
        assertEquals(42, NativeMemory.getLong(memory + 100));
    }
}
