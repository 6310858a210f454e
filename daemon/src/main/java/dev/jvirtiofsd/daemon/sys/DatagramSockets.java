package dev.jvirtiofsd.daemon.sys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * A connected Unix datagram socket, for the system log ({@code /dev/log}): connected once at
 * start-up, while the path can still be reached, and written with {@code send(2)} (the sendto
 * system call) from then on, also after the sandbox took the path away.
 */
public final class DatagramSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;

    /** The calls used here alone. */
    public interface SocketLibC {
        int socket(int domain, int type, int protocol);

        int connect(int fd, Pointer address, int length);

        long send(int fd, byte[] buf, long length, int flags);

        int close(int fd);
    }

    private static final SocketLibC LIBC = LibraryLoader.create(SocketLibC.class).load("c");

    private DatagramSockets() {
    }

    /** A datagram socket connected to {@code path}: its fd. */
    public static int connect(Path path) throws ErrnoException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_MAX) {
            throw new ErrnoException("connect " + path, Errno.ENAMETOOLONG);
        }
        int fd = ErrnoException.check(Native.result(LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)), "socket");
        Pointer address = Native.allocate(SUN_PATH_OFFSET + SUN_PATH_MAX);
        address.putShort(0, (short) AF_UNIX);
        address.put(SUN_PATH_OFFSET, name, 0, name.length);
        int connected = Native.result(LIBC.connect(fd, address, SUN_PATH_OFFSET + name.length + 1));
        if (connected < 0) {
            LIBC.close(fd);
            throw new ErrnoException("connect " + path, -connected);
        }
        return fd;
    }

    /**
     * Sends the first {@code length} bytes of {@code data} as one datagram, without waiting: the
     * count sent, or -errno (-EAGAIN while the receiver's queue is full).
     */
    public static long send(int fd, byte[] data, int length) {
        return Native.result(LIBC.send(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL));
    }

    public static void close(int fd) {
        LIBC.close(fd);
    }
}
