package dev.jvirtiofsd.vhostuser.sys;

import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * Unix stream sockets: listen on a path, accept, connect, socket pairs.
 *
 * <p>Raw jnr-ffi calls rather than jnr-unixsocket channels: the vhost-user code works on plain
 * fds (messages carry fds via recvmsg, an inherited listening fd has no channel), so owning the
 * fds directly avoids a second owner that could close them.
 */
public final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SO_ACCEPTCONN = 30;
    private static final int SO_DOMAIN = 39;
    private static final int SHUT_RDWR = 2;
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;
    private static final int SOCKADDR_UN_SIZE = SUN_PATH_OFFSET + SUN_PATH_MAX;
    private static final int OWNER_ONLY_UMASK = 0077;
    private static final Object UMASK_LOCK = new Object();

    private UnixSockets() {
    }

    /**
     * Creates a socket listening at {@code path} (which must not exist). The socket file is
     * created under umask 0077, so only the owner (and root) can connect. The umask is
     * process-wide: call this during start-up, before other threads create files.
     */
    public static int listen(Path path, int backlog) throws ErrnoException {
        int fd = newStreamSocket();
        long address = sockaddr(path);
        try {
            int result;
            synchronized (UMASK_LOCK) {
                int previous = LibC.INSTANCE.umask(OWNER_ONLY_UMASK);
                result = LibC.INSTANCE.bind(fd, address, SOCKADDR_UN_SIZE);
                int errno = LibC.errno();
                LibC.INSTANCE.umask(previous);
                if (result < 0) {
                    throw new ErrnoException("bind " + path, errno);
                }
            }
            if (LibC.INSTANCE.listen(fd, backlog) < 0) {
                throw ErrnoException.last("listen");
            }
            return fd;
        } catch (ErrnoException e) {
            Fds.closeQuietly(fd);
            throw e;
        } finally {
            NativeMemory.free(address);
        }
    }

    /** Waits for a connection on listening socket {@code fd}; returns the connected fd. */
    public static int accept(int fd) throws ErrnoException {
        while (true) {
            int connected = LibC.INSTANCE.accept4(fd, 0, 0, SOCK_CLOEXEC);
            if (connected >= 0) {
                return connected;
            }
            int errno = LibC.errno();
            if (errno != Errno.EINTR) {
                throw new ErrnoException("accept4", errno);
            }
        }
    }

    /** Connects to the socket at {@code path}; returns the connected fd. */
    public static int connect(Path path) throws ErrnoException {
        int fd = newStreamSocket();
        long address = sockaddr(path);
        try {
            if (LibC.INSTANCE.connect(fd, address, SOCKADDR_UN_SIZE) < 0) {
                throw new ErrnoException("connect " + path, LibC.errno());
            }
            return fd;
        } catch (ErrnoException e) {
            Fds.closeQuietly(fd);
            throw e;
        } finally {
            NativeMemory.free(address);
        }
    }

    /** A connected pair of Unix stream sockets. */
    public static int[] socketPair() throws ErrnoException {
        int[] fds = new int[2];
        if (LibC.INSTANCE.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
            throw ErrnoException.last("socketpair");
        }
        return fds;
    }

    /** True when {@code fd} is a listening Unix stream socket. */
    public static boolean isListeningUnixStream(int fd) {
        try {
            return intOption(fd, SO_DOMAIN) == AF_UNIX && intOption(fd, SO_TYPE) == SOCK_STREAM
                    && intOption(fd, SO_ACCEPTCONN) == 1;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /**
     * Shuts both directions down. Unlike close(), this wakes a thread blocked in accept or
     * recvmsg on the same socket.
     */
    public static void shutdown(int fd) {
        LibC.INSTANCE.shutdown(fd, SHUT_RDWR);
    }

    private static int newStreamSocket() throws ErrnoException {
        int fd = LibC.INSTANCE.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw ErrnoException.last("socket");
        }
        return fd;
    }

    private static int intOption(int fd, int option) throws ErrnoException {
        long buffer = NativeMemory.allocate(16);
        try {
            NativeMemory.putInt(buffer + 8, 4);
            if (LibC.INSTANCE.getsockopt(fd, SOL_SOCKET, option, buffer, buffer + 8) < 0) {
                throw ErrnoException.last("getsockopt");
            }
            return NativeMemory.getInt(buffer);
        } finally {
            NativeMemory.free(buffer);
        }
    }

    /** A {@code struct sockaddr_un} for {@code path} in fresh native memory (caller frees). */
    private static long sockaddr(Path path) throws ErrnoException {
        byte[] bytes = path.toString().getBytes(fileNameCharset());
        if (bytes.length >= SUN_PATH_MAX) {
            throw new ErrnoException("socket path " + path, Errno.ENAMETOOLONG);
        }
        long address = NativeMemory.allocate(SOCKADDR_UN_SIZE);
        NativeMemory.putShort(address, AF_UNIX);
        for (int i = 0; i < bytes.length; i++) {
            NativeMemory.putByte(address + SUN_PATH_OFFSET + i, bytes[i]);
        }
        return address;
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }
}
