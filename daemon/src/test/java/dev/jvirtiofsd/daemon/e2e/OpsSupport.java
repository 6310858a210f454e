package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.args;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.protocol.Opcode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Requests of the newer opcodes with the kernel's layouts, and a look at the fds of the daemon
 * that runs in this JVM (its open-file flags, from /proc/self/fdinfo).
 */
final class OpsSupport {
    static final int O_PATH = 010000000;

    private OpsSupport() {
    }

    /** FUSE_INIT with the given minor and flags (fuse_init_in of 64 bytes). */
    static Reply init(FuseTestClient fuse, int minor, int flags, int flags2) throws TimeoutException {
        return fuse.call(Opcode.INIT, 0, args().u32(7).u32(minor).u32(0x20000).u32(flags).u32(flags2).zeros(44));
    }

    /** TMPFILE: fuse_create_in (flags, mode, umask, open_flags) and the kernel's placeholder name "/". */
    static Reply tmpfile(FuseTestClient fuse, long parent, int mode, int flags) throws TimeoutException {
        return fuse.call(Opcode.TMPFILE, parent, args().u32(flags).u32(mode).u32(022).u32(0).name("/"));
    }

    /** STATX: fuse_statx_in (getattr_flags, reserved, fh, sx_flags, sx_mask) as Linux 6.12 sends it. */
    static Reply statx(FuseTestClient fuse, long node) throws TimeoutException {
        return fuse.call(Opcode.STATX, node, args().u32(0).u32(0).u64(0).u32(0).u32(0x7ff | 0x800));
    }

    static Reply copyFileRange(FuseTestClient fuse, long nodeIn, long fhIn, long offIn, long nodeOut, long fhOut,
                               long offOut, long len, long flags) throws TimeoutException {
        return fuse.call(Opcode.COPY_FILE_RANGE, nodeIn,
                args().u64(fhIn).u64(offIn).u64(nodeOut).u64(fhOut).u64(offOut).u64(len).u64(flags));
    }

    /** IOCTL: fuse_ioctl_in (fh, flags, cmd, arg, in_size, out_size), then the input bytes. */
    static Reply ioctl(FuseTestClient fuse, long node, long fh, int flags, int cmd, byte[] in, int outSize)
            throws TimeoutException {
        return fuse.call(Opcode.IOCTL, node, args().u64(fh).u32(flags).u32(cmd).u64(0x7ffe0000L).u32(in.length)
                .u32(outSize).bytes(in), 4096);
    }

    /**
     * The open(2) flags of this process's fds that refer to {@code file} and are not O_PATH: the
     * daemon's open handles, when the daemon runs in this JVM and nothing else has the file open.
     */
    static List<Integer> openFlagsOfFdsOn(Path file) throws IOException {
        Path real = file.toRealPath();
        List<Integer> flags = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    continue;
                }
                if (!target.equals(real)) {
                    continue;
                }
                int f = fdinfoFlags(fd.getFileName().toString());
                if (f >= 0 && (f & O_PATH) == 0) {
                    flags.add(f);
                }
            }
        }
        return flags;
    }

    private static int fdinfoFlags(String fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd))) {
                if (line.startsWith("flags:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8);
                }
            }
        } catch (IOException gone) {
            // closed meanwhile
        }
        return -1;
    }

    /** How many fds of this process (the daemon's, when it runs in this JVM) are open on files below {@code dir}. */
    static int fdsBelow(Path dir) throws IOException {
        String real = dir.toRealPath() + "/";
        int n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(real)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return n;
    }

    /** The one daemon fd open on {@code file} (fails if there is not exactly one). */
    static int onlyOpenFlags(Path file) throws IOException {
        List<Integer> flags = openFlagsOfFdsOn(file);
        if (flags.size() != 1) {
            throw new AssertionError("expected one open fd on " + file + ", found flags " + flags);
        }
        return flags.get(0);
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
