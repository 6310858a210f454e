package dev.jvirtiofsd.vhostuser.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;

/**
 * The libc functions this module calls, bound with jnr-ffi. Pointers are passed as {@code long}
 * addresses of native memory the callers own (64-bit Linux only), which keeps jnr types inside
 * this package and lets the hot paths run without allocation.
 *
 * <p>jnr-ffi bug #181: a function whose six arguments are all primitives receives a garbage sixth
 * one, so {@link Functions#mmap} declares its first argument as a {@link Pointer}.
 */
final class LibC {
    static final Functions INSTANCE = LibraryLoader.create(Functions.class).load("c");
    private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(INSTANCE);

    private LibC() {
    }

    /** errno of the last call made by this thread through {@link #INSTANCE}. */
    static int errno() {
        return RUNTIME.getLastError();
    }

    /**
     * The bound functions. Public only because jnr-ffi implements it from another class loader;
     * the enclosing class keeps it out of reach of other packages.
     */
    public interface Functions {

        int close(int fd);

        int fcntl(int fd, int cmd, int arg);

        int memfd_create(String name, int flags);

        int ftruncate(int fd, long length);

        int statx(int dirfd, String path, int flags, int mask, long statxBuffer);

        long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int munmap(long addr, long length);

        int eventfd(int initval, int flags);

        int eventfd_read(int fd, @Out long[] value);

        int eventfd_write(int fd, long value);

        int epoll_create1(int flags);

        int epoll_ctl(int epfd, int op, int fd, long event);

        int epoll_wait(int epfd, long events, int maxevents, int timeout);

        int poll(long fds, long nfds, int timeout);

        int socket(int domain, int type, int protocol);

        int socketpair(int domain, int type, int protocol, @Out int[] fds);

        int bind(int fd, long addr, int addrlen);

        int listen(int fd, int backlog);

        int accept4(int fd, long addr, long addrlen, int flags);

        int connect(int fd, long addr, int addrlen);

        int shutdown(int fd, int how);

        int getsockopt(int fd, int level, int optname, long optval, long optlen);

        long recvmsg(int fd, long msghdr, int flags);

        long sendmsg(int fd, long msghdr, int flags);

        long read(int fd, long buf, long count);

        int umask(int mask);

        String strerror(int errnum);
    }
}
