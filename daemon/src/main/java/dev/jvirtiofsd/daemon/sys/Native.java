package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** The loaded libc binding, errno access and native memory access of this package. */
final class Native {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Native() {
    }

    /** The errno of this thread's last failed call, negated (EIO should it be missing). */
    static int negErrno() {
        int errno = RUNTIME.getLastError();
        return errno > 0 ? -errno : -Errno.EIO;
    }

    static int result(int ret) {
        return ret < 0 ? negErrno() : ret;
    }

    static long result(long ret) {
        return ret < 0 ? negErrno() : ret;
    }

    /** Zeroed native memory, freed by the garbage collector once unreachable. */
    static Pointer allocate(int size) {
        return Memory.allocateDirect(RUNTIME, size, true);
    }

    /** A view of {@code size} bytes of native memory at {@code address} (no ownership). */
    static Pointer at(long address, long size) {
        return RUNTIME.getMemoryManager().newPointer(address, size);
    }
}
