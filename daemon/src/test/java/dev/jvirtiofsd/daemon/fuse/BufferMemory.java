package dev.jvirtiofsd.daemon.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link RequestMemory} over two heap buffers, for driving the server without a virtqueue.
 * Its iovecs are not real: it records what was asked and answers with a recognizable fake
 * address, which the recording file system hands back for checking.
 */
final class BufferMemory implements RequestMemory {
    static final long READABLE_BASE = 0x1000_0000L;
    static final long WRITABLE_BASE = 0x2000_0000L;

    final ByteBuffer readable;
    final ByteBuffer writable;
    /** At most this many bytes are accepted per write (to simulate a reply that cannot be delivered). */
    int writeLimit = Integer.MAX_VALUE;
    int writes;

    long iovecOffset = -1;
    long iovecMaxBytes = -1;
    boolean iovecWritable;
    private long iovecAddress;
    private long iovecBytes;

    BufferMemory(ByteBuffer request, int writableBytes) {
        this.readable = request.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.writable = ByteBuffer.allocate(writableBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < writableBytes; i++) {
            writable.put(i, (byte) 0x5A); // garbage, so that unwritten bytes are visible
        }
    }

    @Override
    public long readableBytes() {
        return readable.limit();
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        int n = (int) Math.max(0, Math.min(dst.remaining(), readable.limit() - offset));
        for (int i = 0; i < n; i++) {
            dst.put(readable.get((int) offset + i));
        }
        return n;
    }

    @Override
    public long writableBytes() {
        return writable.capacity();
    }

    @Override
    public int write(long offset, ByteBuffer src) {
        writes++;
        int n = (int) Math.max(0, Math.min(Math.min(src.remaining(), writable.capacity() - offset), writeLimit));
        for (int i = 0; i < n; i++) {
            writable.put((int) offset + i, src.get());
        }
        return n;
    }

    @Override
    public int readableIovecs(long offset, long maxBytes) {
        return fill(offset, maxBytes, false, READABLE_BASE, readable.limit());
    }

    @Override
    public int writableIovecs(long offset, long maxBytes) {
        return fill(offset, maxBytes, true, WRITABLE_BASE, writable.capacity());
    }

    @Override
    public long iovecAddress() {
        return iovecAddress;
    }

    @Override
    public long iovecBytes() {
        return iovecBytes;
    }

    private int fill(long offset, long maxBytes, boolean writablePart, long base, long partBytes) {
        iovecOffset = offset;
        iovecMaxBytes = maxBytes;
        iovecWritable = writablePart;
        iovecAddress = base + offset;
        iovecBytes = Math.max(0, Math.min(maxBytes, partBytes - offset));
        return iovecBytes == 0 ? 0 : 1;
    }
}
