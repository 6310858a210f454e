package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;

/** Process-wide calls of the daemon's start-up: identity and the chroot sandbox. */
public final class ProcessCalls {

    /** The few libc functions start-up needs; kept apart from the per-request binding. */
    public interface ProcessLibC {
        int geteuid();

        int chroot(String path);

        int chdir(String path);
    }

    private static final ProcessLibC LIBC = LibraryLoader.create(ProcessLibC.class).load("c");

    private ProcessCalls() {
    }

    public static boolean runningAsRoot() {
        return LIBC.geteuid() == 0;
    }

    /** chroot(2) into {@code dir}, then chdir("/") so no working directory is left outside. */
    public static void chrootInto(String dir) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.chroot(dir)), "chroot " + dir);
        ErrnoException.check(Native.result(LIBC.chdir("/")), "chdir /");
    }
}
