package dev.jvirtiofsd.vhostuser.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvirtiofsd.vhostuser.sys.Natives;
import org.junit.jupiter.api.Test;

class TestChainTest {

    @Test
    void runsADeviceOnAChainWithoutAQueue() {
        Natives.load();
        EchoDevice device = new EchoDevice(1);
        try (TestChain request = TestChain.builder().head(5).readable(new byte[] {1, 2}).readable(new byte[] {3})
                .writable(2).writable(10).build()) {
            assertEquals(5, request.chain().headIndex());
            assertEquals(2, request.chain().readableSegments());
            int length = device.process(0, request.chain());
            assertEquals(3, length);
            assertArrayEquals(new byte[] {3, 2, 1}, request.written(length));
        }
    }
}
