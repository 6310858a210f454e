package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;

/** Process-wide calls of the daemon's start-up: identity and the chroot sandbox. */
public final class ProcessCalls {

    /** The few libc functions start-up needs; kept apart from the per-request binding. */
    public interface ProcessLibC {
        int geteuid();

        int chroot(String path);

        int chdir(String path);

        long read(int fd, byte[] buf, long count);

        long write(int fd, byte[] buf, long count);
    }

    private static final ProcessLibC LIBC = LibraryLoader.create(ProcessLibC.class).load("c");

    private ProcessCalls() {
    }

    public static boolean runningAsRoot() {
        return LIBC.geteuid() == 0;
    }

    /** geteuid(2). */
    public static int effectiveUid() {
        return LIBC.geteuid();
    }

    /** chdir(2). */
    public static void chdir(String dir) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.chdir(dir)), "chdir " + dir);
    }

    /** read(2) into {@code buf}: the count read (0 at end of file) or -errno. */
    public static int read(int fd, byte[] buf) {
        return (int) Native.result(LIBC.read(fd, buf, buf.length));
    }

    /** write(2) of the first {@code count} bytes of {@code buf}: the count written or -errno. */
    public static int write(int fd, byte[] buf, int count) {
        return (int) Native.result(LIBC.write(fd, buf, count));
    }

    /** chroot(2) into {@code dir}, then chdir("/") so no working directory is left outside. */
    public static void chrootInto(String dir) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.chroot(dir)), "chroot " + dir);
        ErrnoException.check(Native.result(LIBC.chdir("/")), "chdir /");
    }
}
