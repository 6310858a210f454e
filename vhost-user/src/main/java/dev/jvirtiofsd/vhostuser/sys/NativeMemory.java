package dev.jvirtiofsd.vhostuser.sys;

import com.kenai.jffi.MemoryIO;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Loads, stores and copies on raw native addresses (guest memory, native scratch buffers).
 *
 * <p>Uses jffi's {@link MemoryIO} (brought by jnr-ffi), which on HotSpot is backed by
 * {@code sun.misc.Unsafe}: single loads and stores compile to plain machine accesses, and bulk
 * copies between native addresses are {@code Unsafe.copyMemory}. Copies to and from heap arrays go
 * through jffi's JNI helpers. Ordering is never implied: callers that share memory with another
 * agent (the guest) use the explicit acquire/release/full-fence helpers below.
 *
 * <p>Values are in native byte order; virtio and vhost-user are little-endian, so the class
 * refuses to load on a big-endian machine.
 */
public final class NativeMemory {
    private static final MemoryIO IO = MemoryIO.getInstance();

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("virtio rings are little-endian; this machine is not");
        }
    }

    private NativeMemory() {
    }

    public static byte getByte(long address) {
        return IO.getByte(address);
    }

    public static int getUnsignedShort(long address) {
        return IO.getShort(address) & 0xffff;
    }

    public static int getInt(long address) {
        return IO.getInt(address);
    }

    public static long getLong(long address) {
        return IO.getLong(address);
    }

    public static void putByte(long address, byte value) {
        IO.putByte(address, value);
    }

    public static void putShort(long address, int value) {
        IO.putShort(address, (short) value);
    }

    public static void putInt(long address, int value) {
        IO.putInt(address, value);
    }

    public static void putLong(long address, long value) {
        IO.putLong(address, value);
    }

    /**
     * Loads a 16-bit value with acquire semantics: no later load or store moves before it (e.g.
     * reading ring entries published by the index just read).
     */
    public static int getUnsignedShortAcquire(long address) {
        int value = IO.getShort(address) & 0xffff;
        VarHandle.acquireFence();
        return value;
    }

    /**
     * Stores a 16-bit value with release semantics: no earlier load or store moves after it (e.g.
     * the ring entries an index publishes are visible before the index).
     */
    public static void putShortRelease(long address, int value) {
        VarHandle.releaseFence();
        IO.putShort(address, (short) value);
    }

    /** Orders every earlier load and store before every later one (store-load included). */
    public static void fullFence() {
        VarHandle.fullFence();
    }

    public static void copy(long from, long to, long bytes) {
        if (bytes > 0) {
            IO.copyMemory(from, to, bytes);
        }
    }

    public static void fill(long address, long bytes, byte value) {
        if (bytes > 0) {
            IO.setMemory(address, bytes, value);
        }
    }

    /**
     * Copies {@code bytes} from native memory into {@code dst} at its position, and advances the
     * position. {@code dst} must have room.
     */
    public static void copyToBuffer(long from, ByteBuffer dst, int bytes) {
        int position = dst.position();
        if (dst.isDirect()) {
            IO.copyMemory(from, IO.getDirectBufferAddress(dst) + position, bytes);
        } else if (dst.hasArray()) {
            IO.getByteArray(from, dst.array(), dst.arrayOffset() + position, bytes);
        } else {
            throw new java.nio.ReadOnlyBufferException();
        }
        dst.position(position + bytes);
    }

    /**
     * Copies {@code bytes} from {@code src} at its position into native memory, and advances the
     * position. {@code src} must hold that many bytes.
     */
    public static void copyFromBuffer(ByteBuffer src, long to, int bytes) {
        int position = src.position();
        if (src.isDirect()) {
            IO.copyMemory(IO.getDirectBufferAddress(src) + position, to, bytes);
            src.position(position + bytes);
        } else if (src.hasArray()) {
            IO.putByteArray(to, src.array(), src.arrayOffset() + position, bytes);
            src.position(position + bytes);
        } else {
            // A read-only heap buffer hides its array: copy through a small bounce array.
            byte[] bounce = new byte[Math.min(bytes, 8192)];
            int done = 0;
            while (done < bytes) {
                int n = Math.min(bounce.length, bytes - done);
                src.get(bounce, 0, n);
                IO.putByteArray(to + done, bounce, 0, n);
                done += n;
            }
        }
    }

    /** Native address of a direct buffer's first byte (not its position). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return IO.getDirectBufferAddress(direct);
    }

    /** A little-endian direct buffer over {@code length} bytes of native memory at {@code address}. */
    public static ByteBuffer view(long address, int length) {
        return IO.newDirectByteBuffer(address, length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Allocates zeroed native memory; free it with {@link #free}. */
    public static long allocate(long bytes) {
        long address = IO.allocateMemory(bytes, true);
        if (address == 0) {
            throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
        }
        return address;
    }

    public static void free(long address) {
        if (address != 0) {
            IO.freeMemory(address);
        }
    }
}
