package dev.jvirtiofsd.vhostuser.sys;

/**
 * An epoll instance with its own native event array, used by one thread.
 *
 * <p>jnr-ffi binds epoll_create1/ctl/wait: Netty's {@code Native.epollWait} needs an
 * {@code EpollEventArray} it does not let us construct, and one binding style for the whole
 * loop is simpler to review. {@code struct epoll_event} is packed on x86-64 (12 bytes, the
 * 64-bit data word at offset 4) and naturally aligned elsewhere (16 bytes, data at 8).
 */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLLIN = 0x001;
    private static final boolean PACKED = isX86();
    private static final int EVENT_SIZE = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;

    private final int fd;
    private final int maxEvents;
    private final long events;
    private boolean closed;

    public Epoll(int maxEvents) throws ErrnoException {
        int epfd = LibC.INSTANCE.epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw ErrnoException.last("epoll_create1");
        }
        this.fd = epfd;
        this.maxEvents = maxEvents;
        this.events = NativeMemory.allocate((long) EVENT_SIZE * maxEvents);
    }

    /** Watches {@code watched} for input; {@code data} comes back with its events. */
    public void addInput(int watched, long data) throws ErrnoException {
        long event = NativeMemory.allocate(EVENT_SIZE);
        try {
            NativeMemory.putInt(event, EPOLLIN);
            NativeMemory.putLong(event + DATA_OFFSET, data);
            if (LibC.INSTANCE.epoll_ctl(fd, EPOLL_CTL_ADD, watched, event) < 0) {
                throw ErrnoException.last("epoll_ctl(ADD)");
            }
        } finally {
            NativeMemory.free(event);
        }
    }

    public void remove(int watched) throws ErrnoException {
        if (LibC.INSTANCE.epoll_ctl(fd, EPOLL_CTL_DEL, watched, 0) < 0) {
            throw ErrnoException.last("epoll_ctl(DEL)");
        }
    }

    /**
     * Waits for events ({@code timeoutMillis} -1: no limit). Returns how many are ready (read them
     * with {@link #data}/{@link #events}), 0 on timeout or signal, or a negative errno.
     */
    public int await(int timeoutMillis) {
        int n = LibC.INSTANCE.epoll_wait(fd, events, maxEvents, timeoutMillis);
        if (n >= 0) {
            return n;
        }
        int errno = LibC.errno();
        return errno == Errno.EINTR ? 0 : -errno;
    }

    /** The data word of ready event {@code i}. */
    public long data(int i) {
        return NativeMemory.getLong(events + (long) EVENT_SIZE * i + DATA_OFFSET);
    }

    /** The event bits of ready event {@code i}. */
    public int events(int i) {
        return NativeMemory.getInt(events + (long) EVENT_SIZE * i);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Fds.closeQuietly(fd);
            NativeMemory.free(events);
        }
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
    }
}
