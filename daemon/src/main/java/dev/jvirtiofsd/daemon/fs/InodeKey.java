package dev.jvirtiofsd.daemon.fs;

/** What makes two host files the same: device, inode number and mount id (0 if unknown). */
record InodeKey(long dev, long ino, long mntId) {
}
