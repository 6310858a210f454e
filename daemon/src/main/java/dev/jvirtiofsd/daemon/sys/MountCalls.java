package dev.jvirtiofsd.daemon.sys;

import jnr.ffi.LibraryLoader;

/**
 * The mount-namespace calls of the namespace sandbox: mount, umount2, pivot_root, open_tree,
 * chdir, and unshare(CLONE_NEWNS) (for a thread that wants a mount namespace of its own). All are
 * start-up calls: failures throw {@link ErrnoException}.
 */
public final class MountCalls {
    // linux/mount.h
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_RELATIME = 1 << 21;
    /** umount2: detach now, free once no longer in use. */
    public static final int MNT_DETACH = 2;
    /** open_tree: a detached copy of the mount instead of a reference to it. */
    public static final int OPEN_TREE_CLONE = 1;
    public static final int AT_RECURSIVE = 0x8000;
    /** linux/sched.h */
    public static final int CLONE_NEWNS = 0x00020000;

    // asm/unistd_64.h (x86_64); glibc 2.36 wraps neither.
    static final long SYS_PIVOT_ROOT = 155;
    static final long SYS_OPEN_TREE = 428;

    /** The few libc functions of this class; kept apart from the per-request binding. */
    public interface MountLibC {
        int mount(String source, String target, String fstype, long flags, String data);

        int umount2(String target, int flags);

        int chdir(String path);

        int unshare(int flags);

        /** pivot_root(new_root, put_old). */
        long syscall(long number, String newRoot, String putOld);

        /** open_tree(dirfd, path, flags). */
        long syscall(long number, int dirfd, String path, int flags);
    }

    private static final MountLibC LIBC = LibraryLoader.create(MountLibC.class).load("c");

    private MountCalls() {
    }

    /** mount(2); {@code fstype} may be null for bind mounts and propagation changes. */
    public static void mount(String source, String target, String fstype, long flags) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.mount(source, target, fstype, flags, null)),
                "mount " + source + " on " + target);
    }

    public static void umount2(String target, int flags) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.umount2(target, flags)), "umount " + target);
    }

    public static void chdir(String path) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.chdir(path)), "chdir " + path);
    }

    /** pivot_root(2): {@code newRoot} becomes the root of the mount namespace, the old one is put at {@code putOld}. */
    public static void pivotRoot(String newRoot, String putOld) throws ErrnoException {
        ErrnoException.check((int) Native.result(LIBC.syscall(SYS_PIVOT_ROOT, newRoot, putOld)),
                "pivot_root " + newRoot);
    }

    /**
     * open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC): a detached copy of
     * the mount tree at {@code path}, rooted at {@code path}, as an O_PATH fd. ".." never leaves
     * a detached tree, so the fd reaches only what lies below {@code path}.
     */
    public static int openTreeClone(String path) throws ErrnoException {
        long fd = Native.result(LIBC.syscall(SYS_OPEN_TREE, Fcntl.AT_FDCWD, path,
                OPEN_TREE_CLONE | AT_RECURSIVE | Fcntl.O_CLOEXEC));
        return ErrnoException.check((int) fd, "open_tree " + path);
    }

    /**
     * unshare(2) for the calling thread only (namespaces and fs attributes are per thread); e.g.
     * {@link #CLONE_NEWNS}, which also gives the thread its own root and working directory.
     */
    public static void unshare(int flags) throws ErrnoException {
        ErrnoException.check(Native.result(LIBC.unshare(flags)), "unshare");
    }
}
