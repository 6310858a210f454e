package dev.jvirtiofsd.vhostuser.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventFdAndEpollTest {

    @Test
    void eventFdCountsSignalsAndReadsEmptyAsEagain() throws Exception {
        try (EventFd eventFd = EventFd.create()) {
            long[] value = new long[1];
            assertEquals(-Errno.EAGAIN, EventFd.read(eventFd.fd(), value));
            eventFd.signal();
            assertEquals(0, EventFd.signal(eventFd.fd()));
            assertEquals(2, eventFd.drain());
            assertEquals(0, eventFd.drain());
            assertFalse(Fds.awaitReadable(eventFd.fd(), 0));
            eventFd.signal();
            assertTrue(Fds.awaitReadable(eventFd.fd(), 0));
        }
        assertEquals(-Errno.EBADF, EventFd.signal(-1));
    }

    @Test
    void epollReportsWhichFdIsReady() throws Exception {
        try (EventFd first = EventFd.create(); EventFd second = EventFd.create(); Epoll epoll = new Epoll(4)) {
            epoll.addInput(first.fd(), 11);
            epoll.addInput(second.fd(), 0x7fff_0000_0000_0022L);
            assertEquals(0, epoll.await(0));
            second.signal();
            assertEquals(1, epoll.await(-1));
            assertEquals(0x7fff_0000_0000_0022L, epoll.data(0));
            assertEquals(Epoll.EPOLLIN, epoll.events(0) & Epoll.EPOLLIN);
            second.drain();
            first.signal();
            assertEquals(1, epoll.await(1000));
            assertEquals(11, epoll.data(0));
            epoll.remove(first.fd());
            assertEquals(0, epoll.await(0));
        }
    }
}
