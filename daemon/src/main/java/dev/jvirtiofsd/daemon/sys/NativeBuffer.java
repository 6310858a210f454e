package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.Pointer;

/**
 * A block of zeroed native memory with an explicit lifetime (calloc/free), addressed by number:
 * iovec arrays and data buffers for vectored I/O, e.g. in tests that stand in for guest memory.
 */
public final class NativeBuffer implements AutoCloseable {
    private final long size;
    private long address;
    private final Pointer memory;

    private NativeBuffer(long address, long size) {
        this.address = address;
        this.size = size;
        this.memory = Native.at(address, size);
    }

    public static NativeBuffer allocate(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size " + size);
        }
        long address = Native.LIBC.calloc(1, size);
        if (address == 0) {
            throw new OutOfMemoryError("calloc " + size);
        }
        return new NativeBuffer(address, size);
    }

    public long address() {
        checkOpen();
        return address;
    }

    public long size() {
        return size;
    }

    public void put(long offset, byte[] src, int index, int length) {
        check(offset, length);
        memory.put(offset, src, index, length);
    }

    public void get(long offset, byte[] dst, int index, int length) {
        check(offset, length);
        memory.get(offset, dst, index, length);
    }

    public void putLong(long offset, long value) {
        check(offset, 8);
        memory.putLong(offset, value);
    }

    public long getLong(long offset) {
        check(offset, 8);
        return memory.getLong(offset);
    }

    /** Writes {@code struct iovec} number {@code index}: base address and length. */
    public void putIovec(int index, long base, long length) {
        putLong(index * 16L, base);
        putLong(index * 16L + 8, length);
    }

    private void check(long offset, long length) {
        checkOpen();
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length + " size " + size);
        }
    }

    private void checkOpen() {
        if (address == 0) {
            throw new IllegalStateException("freed");
        }
    }

    @Override
    public void close() {
        if (address != 0) {
            Native.LIBC.free(address);
            address = 0;
        }
    }
}
