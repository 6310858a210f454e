package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.vhostuser.sys.EventFd;
import dev.jvirtiofsd.vhostuser.sys.Fds;
import dev.jvirtiofsd.vhostuser.testing.EchoDevice;
import org.junit.jupiter.api.Test;

class PlatformThreadsTest {

    @Test
    void acceptsPlatformThreads() {
        Thread thread = new Thread(() -> { });
        assertSame(thread, PlatformThreads.require(thread));
    }

    @Test
    void refusesVirtualThreads() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads exist from Java 21");
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Thread virtual = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
                .invoke(builder, (Runnable) () -> { });
        assertThrows(IllegalStateException.class, () -> PlatformThreads.require(virtual));
    }

    @Test
    void serveFailsEarlyWhenThePoolCannotGetThreads() throws Exception {
        VhostUserBackend backend = new VhostUserBackend(new EchoDevice(1), 2, runnable -> null);
        int fd = EventFd.newFd();
        assertThrows(IllegalStateException.class, () -> backend.serve(fd));
        assertFalse(Fds.isOpen(fd), "serve() closes the fd it was given");
    }
}
