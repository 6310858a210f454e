package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.vhostuser.DeferredCompletion;
import dev.jvirtiofsd.vhostuser.DescriptorChain;
import dev.jvirtiofsd.vhostuser.IoVecArray;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * {@link RequestMemory} over a virtqueue descriptor chain. One instance per worker thread,
 * re-pointed at each chain; its native iovec array is created on the first READ or WRITE and
 * kept for the thread's next requests.
 */
final class ChainMemory implements RequestMemory {
    /** Room for a 1 MiB transfer in 4 KiB pages several times over, and the kernel's UIO_MAXIOV. */
    static final int IOVEC_CAPACITY = 1024;

    private final Set<ChainMemory> withNativeMemory;
    private DescriptorChain chain;
    private IoVecArray iovecs;

    /** @param withNativeMemory where this registers itself while it holds native memory (freed on reset) */
    ChainMemory(Set<ChainMemory> withNativeMemory) {
        this.withNativeMemory = withNativeMemory;
    }

    ChainMemory wrap(DescriptorChain chain) {
        this.chain = chain;
        return this;
    }

    /** Keeps the chain past this request, to be answered later (a waiting SETLKW). */
    DeferredCompletion defer() {
        return chain.defer();
    }

    /** Forgets the chain, which is returned to the queue after the request. */
    void release() {
        chain = null;
    }

    @Override
    public long readableBytes() {
        return chain.readableBytes();
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        return chain.read(offset, dst);
    }

    @Override
    public long writableBytes() {
        return chain.writableBytes();
    }

    @Override
    public int write(long offset, ByteBuffer src) {
        return chain.write(offset, src);
    }

    @Override
    public int readableIovecs(long offset, long maxBytes) {
        return chain.readableIovecs(offset, maxBytes, iovecs());
    }

    @Override
    public int writableIovecs(long offset, long maxBytes) {
        return chain.writableIovecs(offset, maxBytes, iovecs());
    }

    @Override
    public long iovecAddress() {
        return iovecs.address();
    }

    @Override
    public long iovecBytes() {
        return iovecs.totalBytes();
    }

    /** Frees the native iovec array; a later READ or WRITE on this thread makes a new one. */
    void closeIovecs() {
        IoVecArray a = iovecs;
        iovecs = null;
        withNativeMemory.remove(this);
        if (a != null) {
            a.close();
        }
    }

    private IoVecArray iovecs() {
        if (iovecs == null) {
            iovecs = new IoVecArray(IOVEC_CAPACITY);
            withNativeMemory.add(this);
        }
        return iovecs;
    }
}
