package dev.jvirtiofsd.vhostuser.sys;

import java.io.EOFException;
import java.nio.ByteBuffer;

/**
 * A connected Unix stream socket that carries fds (SCM_RIGHTS) with its data, as vhost-user
 * does.
 *
 * <p>recvmsg/sendmsg are bound with jnr-ffi on a {@code struct msghdr} this class lays out itself
 * in native memory (x86-64/arm64 LP64 layout below), not with jnr-posix's {@code MsgHdr}: that
 * one needs direct buffers anyway, silently drops fds when reused (the kernel shrinks the control
 * length it keeps), and returns {@code cmsg} data in the wrong byte order. Here the control length
 * is reset before every call, {@code MSG_CTRUNC} is reported, and fds arrive close-on-exec.
 *
 * <p>One thread may receive while another sends.
 */
public final class MessageSocket implements AutoCloseable {
    // struct msghdr
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int MSGHDR_SIZE = 56;
    private static final int IOVEC_SIZE = 16;
    // struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type; data
    private static final int CMSG_LEVEL = 8;
    private static final int CMSG_TYPE = 12;
    private static final int CMSG_HEADER = 16;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x08;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int[] NO_FDS = new int[0];

    /** What one {@link #receive} got: the byte count (0: end of stream) and the fds. */
    public record Received(int bytes, int[] fds, boolean fdsTruncated) {
    }

    private final int fd;
    private final int maxFds;
    private final long receiveScratch;
    private final int receiveControlSize;
    private final Object receiveLock = new Object();
    private final Object sendLock = new Object();
    private boolean closed;

    /**
     * @param fd a connected Unix stream socket, owned (closed) by this object from now on
     * @param maxFds the most fds one received message may carry; more are reported as truncated
     */
    public MessageSocket(int fd, int maxFds) {
        this.fd = fd;
        this.maxFds = maxFds;
        this.receiveControlSize = cmsgSpace(4 * maxFds);
        this.receiveScratch = NativeMemory.allocate(MSGHDR_SIZE + IOVEC_SIZE + receiveControlSize);
    }

    public int fd() {
        return fd;
    }

    /**
     * Receives into the direct buffer {@code dst} (from its position, up to its limit) with one
     * recvmsg, and advances its position. Returns 0 bytes at end of stream.
     */
    public Received receive(ByteBuffer dst) throws ErrnoException {
        synchronized (receiveLock) {
            long msghdr = receiveScratch;
            long iovec = msghdr + MSGHDR_SIZE;
            long control = iovec + IOVEC_SIZE;
            NativeMemory.fill(msghdr, MSGHDR_SIZE + IOVEC_SIZE + receiveControlSize, (byte) 0);
            NativeMemory.putLong(iovec, NativeMemory.address(dst) + dst.position());
            NativeMemory.putLong(iovec + 8, dst.remaining());
            NativeMemory.putLong(msghdr + MSG_IOV, iovec);
            NativeMemory.putLong(msghdr + MSG_IOVLEN, 1);
            NativeMemory.putLong(msghdr + MSG_CONTROL, control);
            NativeMemory.putLong(msghdr + MSG_CONTROLLEN, receiveControlSize);
            long n;
            while (true) {
                n = LibC.INSTANCE.recvmsg(fd, msghdr, MSG_CMSG_CLOEXEC);
                if (n >= 0) {
                    break;
                }
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("recvmsg", errno);
                }
            }
            int[] fds = receivedFds(control, NativeMemory.getLong(msghdr + MSG_CONTROLLEN));
            boolean truncated = (NativeMemory.getInt(msghdr + MSG_FLAGS) & MSG_CTRUNC) != 0;
            dst.position(dst.position() + (int) n);
            return new Received((int) n, fds, truncated);
        }
    }

    /** Fills {@code dst} (direct) up to its limit; fds arriving meanwhile are dropped by the kernel. */
    public void readFully(ByteBuffer dst) throws ErrnoException, EOFException {
        synchronized (receiveLock) {
            while (dst.hasRemaining()) {
                long n = LibC.INSTANCE.read(fd, NativeMemory.address(dst) + dst.position(), dst.remaining());
                if (n == 0) {
                    throw new EOFException("connection closed inside a message");
                }
                if (n < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw new ErrnoException("read", errno);
                }
                dst.position(dst.position() + (int) n);
            }
        }
    }

    /**
     * Sends every remaining byte of {@code src} (heap or direct) and advances its position; the
     * fds, if any, travel with the first byte.
     */
    public void send(ByteBuffer src, int... fds) throws ErrnoException {
        synchronized (sendLock) {
            int length = src.remaining();
            int controlSize = fds.length == 0 ? 0 : cmsgSpace(4 * fds.length);
            long scratch = NativeMemory.allocate(MSGHDR_SIZE + IOVEC_SIZE + controlSize + Math.max(length, 1));
            try {
                long msghdr = scratch;
                long iovec = msghdr + MSGHDR_SIZE;
                long control = iovec + IOVEC_SIZE;
                long data = control + controlSize;
                NativeMemory.copyFromBuffer(src.duplicate(), data, length);
                if (controlSize > 0) {
                    NativeMemory.putLong(control, CMSG_HEADER + 4L * fds.length);
                    NativeMemory.putInt(control + CMSG_LEVEL, SOL_SOCKET);
                    NativeMemory.putInt(control + CMSG_TYPE, SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) {
                        NativeMemory.putInt(control + CMSG_HEADER + 4L * i, fds[i]);
                    }
                }
                int sent = 0;
                boolean first = true;
                while (sent < length || first) {
                    NativeMemory.putLong(msghdr + MSG_NAME, 0);
                    NativeMemory.putInt(msghdr + MSG_NAMELEN, 0);
                    NativeMemory.putLong(iovec, data + sent);
                    NativeMemory.putLong(iovec + 8, length - sent);
                    NativeMemory.putLong(msghdr + MSG_IOV, iovec);
                    NativeMemory.putLong(msghdr + MSG_IOVLEN, 1);
                    NativeMemory.putLong(msghdr + MSG_CONTROL, first && controlSize > 0 ? control : 0);
                    NativeMemory.putLong(msghdr + MSG_CONTROLLEN, first ? controlSize : 0);
                    NativeMemory.putInt(msghdr + MSG_FLAGS, 0);
                    long n = LibC.INSTANCE.sendmsg(fd, msghdr, MSG_NOSIGNAL);
                    if (n < 0) {
                        int errno = LibC.errno();
                        if (errno == Errno.EINTR) {
                            continue;
                        }
                        throw new ErrnoException("sendmsg", errno);
                    }
                    sent += (int) n;
                    first = false;
                }
                src.position(src.position() + length);
            } finally {
                NativeMemory.free(scratch);
            }
        }
    }

    /** Waits until data (or end of stream) can be read; false after {@code timeoutMillis}. */
    public boolean awaitReadable(int timeoutMillis) throws ErrnoException {
        return Fds.awaitReadable(fd, timeoutMillis);
    }

    /** Wakes a thread blocked in {@link #receive} (it sees end of stream); the fd stays open. */
    public void shutdown() {
        UnixSockets.shutdown(fd);
    }

    @Override
    public void close() {
        synchronized (receiveLock) {
            synchronized (sendLock) {
                if (!closed) {
                    closed = true;
                    Fds.closeQuietly(fd);
                    NativeMemory.free(receiveScratch);
                }
            }
        }
    }

    private int[] receivedFds(long control, long controlLength) {
        int[] fds = NO_FDS;
        long offset = 0;
        while (offset + CMSG_HEADER <= controlLength) {
            long cmsg = control + offset;
            long length = NativeMemory.getLong(cmsg);
            if (length < CMSG_HEADER || offset + length > controlLength) {
                break;
            }
            if (NativeMemory.getInt(cmsg + CMSG_LEVEL) == SOL_SOCKET && NativeMemory.getInt(cmsg + CMSG_TYPE) == SCM_RIGHTS) {
                int count = (int) ((length - CMSG_HEADER) / 4);
                int[] more = new int[fds.length + count];
                System.arraycopy(fds, 0, more, 0, fds.length);
                for (int i = 0; i < count; i++) {
                    more[fds.length + i] = NativeMemory.getInt(cmsg + CMSG_HEADER + 4L * i);
                }
                fds = more;
            }
            offset += align(length);
        }
        return fds;
    }

    private static int cmsgSpace(int dataBytes) {
        return CMSG_HEADER + (int) align(dataBytes);
    }

    private static long align(long length) {
        return (length + 7) & ~7L;
    }

    /** Most fds one received message may carry. */
    public int maxFds() {
        return maxFds;
    }
}
