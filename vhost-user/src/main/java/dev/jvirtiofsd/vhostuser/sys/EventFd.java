package dev.jvirtiofsd.vhostuser.sys;

/**
 * Eventfds: queue kicks, used-buffer calls, and the wake-up fds of worker threads.
 *
 * <p>Bound with jnr-ffi (glibc's {@code eventfd}, {@code eventfd_read}, {@code eventfd_write})
 * rather than Netty's {@code Native}: the same binding style as every other call here, no second
 * native library to unpack, and the static calls work on any eventfd, including the blocking ones
 * a frontend passes in. The static methods return a negative errno instead of throwing, for the
 * hot paths.
 */
public final class EventFd implements AutoCloseable {
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EFD_CLOEXEC = 0x80000;

    private final int fd;
    private final long[] scratch = new long[1];
    private boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** A new non-blocking, close-on-exec eventfd with counter 0. */
    public static EventFd create() throws ErrnoException {
        return new EventFd(newFd());
    }

    /** A new non-blocking, close-on-exec eventfd, as a raw fd the caller closes. */
    public static int newFd() throws ErrnoException {
        int fd = LibC.INSTANCE.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) {
            throw ErrnoException.last("eventfd");
        }
        return fd;
    }

    /** Adds 1 to the counter of eventfd {@code fd}. Returns 0 or a negative errno. */
    public static int signal(int fd) {
        return LibC.INSTANCE.eventfd_write(fd, 1) < 0 ? -LibC.errno() : 0;
    }

    /**
     * Reads and resets the counter of eventfd {@code fd} into {@code value[0]}. Returns 0 or a
     * negative errno (-EAGAIN: a non-blocking eventfd whose counter was 0).
     */
    public static int read(int fd, long[] value) {
        return LibC.INSTANCE.eventfd_read(fd, value) < 0 ? -LibC.errno() : 0;
    }

    public int fd() {
        return fd;
    }

    /** Adds 1 to the counter. */
    public void signal() {
        signal(fd);
    }

    /** Resets the counter; returns its value (0 when it was not signalled). */
    public synchronized long drain() {
        return read(fd, scratch) == 0 ? scratch[0] : 0;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Fds.closeQuietly(fd);
        }
    }
}
