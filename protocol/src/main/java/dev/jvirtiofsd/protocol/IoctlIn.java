package dev.jvirtiofsd.protocol;

import java.nio.ByteBuffer;

/**
 * {@code struct fuse_ioctl_in}: the IOCTL request, followed by {@code in_size} bytes of input.
 * The guest kernel sizes input and output from the command's {@code _IOC_SIZE} (a restricted
 * ioctl); {@link FuseFlags#IOCTL_UNRESTRICTED} comes only from CUSE.
 *
 * <p>Offsets are relative to the start of the struct; buffers are little-endian. Instances
 * are mutable holders, reused to decode without allocating.
 */
public final class IoctlIn {
    /** sizeof(struct fuse_ioctl_in). */
    public static final int BYTES = 32;

    public static final int FH = 0;
    /** FUSE_IOCTL_*. */
    public static final int FLAGS = 8;
    public static final int CMD = 12;
    /** The guest process's argument pointer: meaningless on the host. */
    public static final int ARG = 16;
    public static final int IN_SIZE = 24;
    public static final int OUT_SIZE = 28;

    public long fh;
    public int flags;
    public int cmd;
    public long arg;
    public int inSize;
    public int outSize;

    /** Reads the struct at {@code at} into this holder. */
    public IoctlIn decode(ByteBuffer b, int at) {
        fh = b.getLong(at + FH);
        flags = b.getInt(at + FLAGS);
        cmd = b.getInt(at + CMD);
        arg = b.getLong(at + ARG);
        inSize = b.getInt(at + IN_SIZE);
        outSize = b.getInt(at + OUT_SIZE);
        return this;
    }

    /** Writes this holder as the struct at {@code at} ({@link #BYTES} bytes). */
    public void encode(ByteBuffer b, int at) {
        b.putLong(at + FH, fh);
        b.putInt(at + FLAGS, flags);
        b.putInt(at + CMD, cmd);
        b.putLong(at + ARG, arg);
        b.putInt(at + IN_SIZE, inSize);
        b.putInt(at + OUT_SIZE, outSize);
    }
}
