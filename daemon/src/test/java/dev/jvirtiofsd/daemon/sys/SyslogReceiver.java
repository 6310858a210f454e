package dev.jvirtiofsd.daemon.sys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * A stand-in for the system log in tests: a Unix datagram socket bound at a path, which the
 * daemon is pointed at (Logging's JVIRTIOFSD_SYSLOG_SOCKET), and the datagrams it received. A
 * thread of its own reads them as they come, as a system log does.
 */
public final class SyslogReceiver implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;

    /** The calls used here alone. */
    public interface ReceiverLibC {
        int socket(int domain, int type, int protocol);

        int bind(int fd, Pointer address, int length);

        long recv(int fd, byte[] buf, long length, int flags);

        int close(int fd);
    }

    private static final ReceiverLibC LIBC = LibraryLoader.create(ReceiverLibC.class).load("c");

    private final int fd;
    private final List<String> received = new ArrayList<>();
    private final Thread reader;
    private volatile boolean closed;

    /** Binds a socket at {@code path}, writable by everyone (as /dev/log is), and reads it. */
    public SyslogReceiver(Path path) throws Exception {
        this(path, true);
    }

    /** A system log that is stuck: it reads nothing until {@link #lines()} is called. */
    public static SyslogReceiver notReading(Path path) throws Exception {
        return new SyslogReceiver(path, false);
    }

    private SyslogReceiver(Path path, boolean read) throws Exception {
        fd = LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new ErrnoException("socket", Native.RUNTIME.getLastError());
        }
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        Pointer address = Native.allocate(SUN_PATH_OFFSET + SUN_PATH_MAX);
        address.putShort(0, (short) AF_UNIX);
        address.put(SUN_PATH_OFFSET, name, 0, name.length);
        if (LIBC.bind(fd, address, SUN_PATH_OFFSET + name.length + 1) < 0) {
            int errno = Native.RUNTIME.getLastError();
            LIBC.close(fd);
            throw new ErrnoException("bind " + path, errno);
        }
        java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions
                .fromString("rw-rw-rw-"));
        reader = new Thread(this::readAll, "syslog-receiver");
        reader.setDaemon(true);
        if (read) {
            reader.start();
        }
    }

    private void readAll() {
        while (!closed) {
            drain();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void drain() {
        byte[] buf = new byte[65536];
        long n;
        while ((n = LIBC.recv(fd, buf, buf.length, MSG_DONTWAIT)) >= 0) {
            received.add(new String(buf, 0, (int) n, StandardCharsets.UTF_8));
        }
    }

    /** Every datagram received so far, each a line, in order. */
    public synchronized List<String> lines() {
        drain();
        return List.copyOf(received);
    }

    /** Waits until a line containing {@code text} arrived; false when none came within {@code limit}. */
    public boolean await(String text, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (lines().stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            Thread.sleep(10);
        }
        return lines().stream().anyMatch(l -> l.contains(text));
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (reader.isAlive()) {
            reader.join();
        }
        LIBC.close(fd);
    }
}
