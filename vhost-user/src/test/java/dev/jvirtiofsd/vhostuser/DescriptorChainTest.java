package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DescriptorChainTest {
    private long memory;
    private final DescriptorChain chain = new DescriptorChain();

    @BeforeEach
    void setUp() {
        memory = NativeMemory.allocate(4096);
        for (int i = 0; i < 4096; i++) {
            NativeMemory.putByte(memory + i, (byte) i);
        }
        // Readable: [0,10) [100,105) [200,220); writable: [1000,1004) [2000,2016).
        chain.reset(7);
        chain.add(memory, 10, false);
        chain.add(memory + 100, 5, false);
        chain.add(memory + 200, 20, false);
        chain.add(memory + 1000, 4, true);
        chain.add(memory + 2000, 16, true);
    }

    @AfterEach
    void tearDown() {
        NativeMemory.free(memory);
    }

    @Test
    void reportsSegmentsAndTotals() {
        assertEquals(7, chain.headIndex());
        assertEquals(3, chain.readableSegments());
        assertEquals(2, chain.writableSegments());
        assertEquals(35, chain.readableBytes());
        assertEquals(20, chain.writableBytes());
        assertEquals(memory + 100, chain.readableAddress(1));
        assertEquals(20, chain.readableLength(2));
        assertEquals(memory + 2000, chain.writableAddress(1));
        assertEquals(4, chain.writableLength(0));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.readableAddress(3));
        assertThrows(IndexOutOfBoundsException.class, () -> chain.writableLength(2));
    }

    @Test
    void readsAcrossSegmentsFromAnOffset() {
        ByteBuffer dst = ByteBuffer.allocate(8);
        assertEquals(8, chain.read(8, dst));
        assertArrayEquals(new byte[] {8, 9, 100, 101, 102, 103, 104, (byte) 200}, dst.array());
        ByteBuffer rest = ByteBuffer.allocateDirect(100);
        assertEquals(5, chain.read(30, rest), "short at the end of the readable part");
        assertEquals(0, chain.read(35, ByteBuffer.allocate(4)));
    }

    @Test
    void writesAcrossSegmentsAndStopsAtTheEnd() {
        ByteBuffer src = ByteBuffer.wrap(new byte[] {-1, -2, -3, -4, -5, -6});
        assertEquals(6, chain.write(2, src));
        assertFalse(src.hasRemaining());
        assertEquals(-1, NativeMemory.getByte(memory + 1002));
        assertEquals(-2, NativeMemory.getByte(memory + 1003));
        assertEquals(-3, NativeMemory.getByte(memory + 2000));
        assertEquals(-6, NativeMemory.getByte(memory + 2003));
        ByteBuffer big = ByteBuffer.allocate(100);
        assertEquals(20, chain.write(0, big));
        assertEquals(80, big.remaining());
    }

    @Test
    void buildsIovecsOverEitherPart() {
        try (IoVecArray iovecs = new IoVecArray(2)) {
            assertEquals(2, chain.readableIovecs(12, 100, iovecs));
            assertEquals(2, iovecs.count());
            assertEquals(3 + 20, iovecs.totalBytes());
            assertEquals(memory + 102, NativeMemory.getLong(iovecs.address()));
            assertEquals(3, NativeMemory.getLong(iovecs.address() + 8));
            assertEquals(memory + 200, NativeMemory.getLong(iovecs.address() + 16));

            assertEquals(1, chain.writableIovecs(1, 2, iovecs));
            assertEquals(2, iovecs.totalBytes());
            assertEquals(memory + 1001, NativeMemory.getLong(iovecs.address()));

            assertEquals(2, chain.writableIovecs(0, 1 << 20, iovecs));
            assertEquals(20, iovecs.totalBytes());
            assertEquals(0, chain.readableIovecs(35, 10, iovecs));
        }
    }

    @Test
    void isCappedAtMaxSegmentsAndReusable() {
        DescriptorChain big = new DescriptorChain();
        big.reset(0);
        for (int i = 0; i < DescriptorChain.MAX_SEGMENTS; i++) {
            assertTrue(big.add(memory + i, 1, false));
        }
        assertFalse(big.add(memory, 1, true));
        assertEquals(DescriptorChain.MAX_SEGMENTS, big.readableBytes());
        big.reset(3);
        assertEquals(0, big.readableSegments());
        assertEquals(0, big.writableBytes());
        assertEquals(3, big.headIndex());
    }
}
