package dev.jvirtiofsd.vhostuser.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.sys.ErrnoException;
import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.sys.MessageSocket;
import dev.jvirtiofsd.vhostuser.sys.Mmap;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MemoryMapTest {
    private static final long MIB = 1 << 20;
    private static final long USER = 0x7000_0000_0000L;

    private int memfd;
    private final MemoryMap map = new MemoryMap();

    @BeforeEach
    void createFile() throws ErrnoException {
        memfd = Fds.memfdCreate("guest", 4 * MIB);
    }

    @AfterEach
    void cleanUp() {
        map.close();
        Fds.closeQuietly(memfd);
    }

    /** A duplicate of the memfd, as a frontend would pass one per message. */
    private int fd() throws ErrnoException {
        int[] pair = UnixSockets.socketPair();
        try (MessageSocket a = new MessageSocket(pair[0], 1);
                MessageSocket b = new MessageSocket(pair[1], 1)) {
            a.send(ByteBuffer.wrap(new byte[] {0}), memfd);
            return b.receive(ByteBuffer.allocateDirect(1)).fds()[0];
        }
    }

    @Test
    void translatesGuestAndUserAddressesWithBoundsChecks() throws Exception {
        // Two regions from one file: gpa [0, 1 MiB) at file offset 0 and gpa [16 MiB, 19 MiB) at 1 MiB + 512.
        map.add(new RegionDescription(0, MIB, USER, 0), fd());
        map.add(new RegionDescription(16 * MIB, 3 * MIB - 512, USER + MIB, MIB + 512), fd());
        GuestMemory memory = map.current();
        assertEquals(2, memory.regionCount());

        long low = memory.translateGuest(100, 8);
        NativeMemory.putLong(low, 0x1234);
        assertEquals(low, memory.translateUser(USER + 100, 8));
        long high = memory.translateGuest(16 * MIB, 8);
        assertEquals(high, memory.translateUser(USER + MIB, 8));
        NativeMemory.putLong(high, 0x9999);

        // The same bytes through a mapping of our own: the region starts at file offset 1 MiB + 512.
        int[] check = {fd()};
        long whole = Mmap.mapShared(check[0], 0, 4 * MIB);
        try {
            assertEquals(0x1234, NativeMemory.getLong(whole + 100));
            assertEquals(0x9999, NativeMemory.getLong(whole + MIB + 512));
        } finally {
            Mmap.unmap(whole, 4 * MIB);
            Fds.closeQuietly(check[0]);
        }

        assertEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(MIB - 4, 8), "crosses the end of a region");
        assertEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(2 * MIB, 1), "in the hole");
        assertEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(-8, 16), "wraps");
        assertEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(0, -1), "negative length");
        assertEquals(GuestMemory.NOT_MAPPED, memory.translateUser(USER - 1, 2));
        assertNotEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(19 * MIB - 512 - 8, 8));
        assertEquals(GuestMemory.NOT_MAPPED, memory.translateGuest(19 * MIB - 512 - 8, 9));
        assertEquals(-1, memory.findGuestRegion(MIB));
        assertEquals(1, memory.findGuestRegion(16 * MIB + 5));
    }

    @Test
    void refusesZeroSizedOverlappingWrappingAndOversizedRegions() throws Exception {
        map.add(new RegionDescription(0, MIB, USER, 0), fd());
        assertThrows(InvalidRegionException.class, () -> map.add(new RegionDescription(2 * MIB, 0, USER + 2 * MIB, 0), fd()));
        assertThrows(InvalidRegionException.class,
                () -> map.add(new RegionDescription(MIB - 4096, MIB, USER + 8 * MIB, 0), fd()), "guest overlap");
        assertThrows(InvalidRegionException.class,
                () -> map.add(new RegionDescription(8 * MIB, MIB, USER + 4096, 0), fd()), "user overlap");
        assertThrows(InvalidRegionException.class,
                () -> map.add(new RegionDescription(-MIB, 2 * MIB, USER + 8 * MIB, 0), fd()), "guest range wraps");
        assertThrows(InvalidRegionException.class,
                () -> map.add(new RegionDescription(8 * MIB, 8 * MIB, USER + 8 * MIB, 0), fd()), "past the end of the file");
        assertThrows(InvalidRegionException.class,
                () -> map.add(new RegionDescription(8 * MIB, MIB, USER + 8 * MIB, 0), EventFd.newFd()), "not mappable");
        assertEquals(1, map.current().regionCount(), "the table is unchanged");
        assertThrows(InvalidRegionException.class, () -> map.replace(List.of(new RegionDescription(0, MIB, USER, 0),
                new RegionDescription(MIB / 2, MIB, USER + 4 * MIB, 0)), new int[] {fd(), fd()}));
        assertEquals(1, map.current().regionCount());
    }

    @Test
    void replacedAndRemovedMappingsStayMappedUntilReleased() throws Exception {
        map.add(new RegionDescription(0, MIB, USER, 0), fd());
        GuestMemory old = map.current();
        long address = old.translateGuest(64, 8);
        map.replace(List.of(new RegionDescription(0, 2 * MIB, USER, 0)), new int[] {fd()});
        assertTrue(map.hasRetired());
        NativeMemory.putLong(address, 7); // still mapped
        assertEquals(7, NativeMemory.getLong(map.current().translateGuest(64, 8)));
        map.releaseRetired();
        assertFalse(map.hasRetired());

        map.add(new RegionDescription(4 * MIB, MIB, USER + 4 * MIB, 2 * MIB), fd());
        assertThrows(InvalidRegionException.class,
                () -> map.remove(new RegionDescription(4 * MIB, MIB, USER + 5 * MIB, 0)), "user address differs");
        map.remove(new RegionDescription(4 * MIB, MIB, USER + 4 * MIB, 12345));
        assertEquals(1, map.current().regionCount());
        assertTrue(map.hasRetired());
        assertEquals(GuestMemory.NOT_MAPPED, map.current().translateGuest(4 * MIB, 1));
    }

    @Test
    void takesOwnershipOfFdsEvenOnFailure() throws Exception {
        int fd = fd();
        assertThrows(InvalidRegionException.class, () -> map.add(new RegionDescription(0, 0, USER, 0), fd));
        assertFalse(Fds.isOpen(fd));
        int other = fd();
        map.add(new RegionDescription(0, MIB, USER, 0), other);
        assertFalse(Fds.isOpen(other), "the mapping keeps the file; the fd is closed");
    }
}
