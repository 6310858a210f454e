package dev.jvirtiofsd.daemon.fs;

/** {@code --inode-file-handles}: whether inodes are held as file handles instead of O_PATH fds. */
public enum InodeFileHandles {
    /** Every inode holds an O_PATH fd. */
    NEVER,
    /** A file handle where the file's filesystem gives one, else an O_PATH fd. */
    PREFER,
    /** A file handle always; a file without one cannot be looked up. */
    MANDATORY
}
