package dev.jvirtiofsd.daemon.sys;

/**
 * Flag values of the file calls, as the x86_64 kernel defines them (asm-generic/fcntl.h,
 * linux/fcntl.h, linux/openat2.h, linux/fs.h, linux/falloc.h, linux/xattr.h, bits/stat.h, bits/fcntl-linux.h).
 */
public final class Fcntl {
    // open(2) flags
    public static final int O_ACCMODE = 0003;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04000000 | O_DSYNC;
    public static final int O_PATH = 010000000;
    public static final int O_TMPFILE = 020000000 | O_DIRECTORY;

    // *at(2) flags
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_EMPTY_PATH = 0x1000;

    // openat2(2) resolve flags
    public static final int RESOLVE_NO_MAGICLINKS = 0x02;
    public static final int RESOLVE_IN_ROOT = 0x10;

    // fcntl(2) commands
    public static final int F_GETFD = 1;
    public static final int F_GETFL = 3;

    // lseek(2) whence
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    // renameat2(2) flags
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;
    public static final int RENAME_WHITEOUT = 4;

    // pwritev2(2) flags
    public static final int RWF_APPEND = 0x10;

    // fallocate(2) modes
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // setxattr(2) flags and limits (linux/limits.h)
    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;
    public static final int XATTR_NAME_MAX = 255;
    public static final int XATTR_SIZE_MAX = 65536;
    public static final int XATTR_LIST_MAX = 65536;

    // utimensat(2) special nanosecond values
    public static final long UTIME_NOW = (1L << 30) - 1;
    public static final long UTIME_OMIT = (1L << 30) - 2;

    // access(2) mask bits
    public static final int F_OK = 0;
    public static final int X_OK = 1;
    public static final int W_OK = 2;
    public static final int R_OK = 4;

    /** The largest file handle name_to_handle_at gives (bits/fcntl-linux.h). */
    public static final int MAX_HANDLE_SZ = 128;

    /** PATH_MAX (linux/limits.h), including the terminating NUL. */
    public static final int PATH_MAX = 4096;
    /** NAME_MAX (linux/limits.h). */
    public static final int NAME_MAX = 255;

    private Fcntl() {
    }
}
