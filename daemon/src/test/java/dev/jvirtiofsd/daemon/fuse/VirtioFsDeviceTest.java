package dev.jvirtiofsd.daemon.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioFsDeviceTest {
    private final ServerHarness h = new ServerHarness();

    @Test
    void oneHiprioQueuePlusTheRequestQueues() {
        assertEquals(2, new VirtioFsDevice(h.server, 1, null).queueCount());
        assertEquals(5, new VirtioFsDevice(h.server, 4, null).queueCount());
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice(h.server, 0, null));
    }

    @Test
    void noConfigSpaceWithoutATag() {
        assertNull(new VirtioFsDevice(h.server, 1, null).config());
    }

    @Test
    void configSpaceIsTheNulPaddedTagAndOneRequestQueue() {
        byte[] config = new VirtioFsDevice(h.server, 3, "myfs").config();
        assertEquals(40, config.length);
        assertArrayEquals("myfs".getBytes(StandardCharsets.UTF_8), Arrays.copyOf(config, 4));
        for (int i = 4; i < 36; i++) {
            assertEquals(0, config[i], "tag padding byte " + i);
        }
        assertEquals(1, ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN).getInt(36),
                "served on 3, announced as 1 (what every frontend sets up)");

        VirtioFsDevice device = new VirtioFsDevice(h.server, 1, "x".repeat(36));
        byte[] full = device.config();
        assertEquals('x', full[35], "a 36-byte tag has no NUL");
        assertNotSame(full, device.config(), "callers get a copy");
    }

    @Test
    void tagsMustBeOneToThirtySixBytes() {
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice(h.server, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice(h.server, 1, "x".repeat(37)));
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsDevice(h.server, 1, "é".repeat(19)),
            "the limit is in UTF-8 bytes");
    }

    @Test
    void resetEndsTheSession() {
        h.init();
        VirtioFsDevice device = new VirtioFsDevice(h.server, 1, null);
        assertTrue(h.server.sessionOpen());
        device.reset();
        assertFalse(h.server.sessionOpen());
        assertEquals(List.of("destroy"), h.fs.calls);
    }
}
