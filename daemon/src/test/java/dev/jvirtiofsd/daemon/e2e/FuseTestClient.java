package dev.jvirtiofsd.daemon.e2e;

import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.OutHeader;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The guest kernel's side of FUSE, reduced to what tests need: builds requests byte by byte
 * from the kernel's struct layouts and sends them through a real vhost-user frontend.
 */
public final class FuseTestClient {
    public static final int REQUEST_QUEUE = 1;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final VhostUserFrontend frontend;
    private final int queue;
    private long unique = 1;
    int uid;
    int gid;

    public FuseTestClient(VhostUserFrontend frontend) {
        this(frontend, REQUEST_QUEUE);
    }

    /** A client sending on request queue {@code queue} (uniques start at {@code queue << 48}, apart from other queues'). */
    public FuseTestClient(VhostUserFrontend frontend, int queue) {
        this.frontend = frontend;
        this.queue = queue;
        this.unique = queue == REQUEST_QUEUE ? 1 : (long) queue << 48;
    }

    /** A reply: the out-header's error (0 or -errno) and the body after the header. */
    public record Reply(int error, long unique, ByteBuffer body, int usedLength) {
        public void ok() {
            if (error != 0) {
                throw new AssertionError("request failed with errno " + -error);
            }
        }
    }

    /** A request under construction: arguments after the 40-byte in-header. */
    public static final class Args {
        final ByteBuffer b = ByteBuffer.allocate(1 << 21).order(ByteOrder.LITTLE_ENDIAN);

        Args() {
            b.position(InHeader.BYTES);
        }

        public Args u32(int v) {
            b.putInt(v);
            return this;
        }

        public Args u64(long v) {
            b.putLong(v);
            return this;
        }

        public Args zeros(int n) {
            b.put(new byte[n]);
            return this;
        }

        /** A name with its terminating NUL. */
        public Args name(String s) {
            return name(s.getBytes(StandardCharsets.UTF_8));
        }

        public Args name(byte[] s) {
            b.put(s);
            b.put((byte) 0);
            return this;
        }

        public Args bytes(byte[] s) {
            b.put(s);
            return this;
        }
    }

    /** The uid and gid of the requests sent from now on (the guest user making them). */
    public void identity(int requestUid, int requestGid) {
        uid = requestUid;
        gid = requestGid;
    }

    public static Args args() {
        return new Args();
    }

    public byte[] encode(int opcode, long nodeId, Args args) {
        ByteBuffer b = args.b;
        int len = b.position();
        b.putInt(InHeader.LEN, len);
        b.putInt(InHeader.OPCODE, opcode);
        b.putLong(InHeader.UNIQUE, unique++);
        b.putLong(InHeader.NODEID, nodeId);
        b.putInt(InHeader.UID, uid);
        b.putInt(InHeader.GID, gid);
        b.putInt(InHeader.PID, 4242);
        byte[] out = new byte[len];
        b.get(0, out);
        return out;
    }

    public Reply send(byte[] request, int replyCapacity) throws TimeoutException {
        byte[] r = frontend.roundTrip(queue, request, replyCapacity, TIMEOUT);
        if (r.length == 0) {
            return new Reply(0, 0, ByteBuffer.allocate(0), 0);
        }
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        int len = b.getInt(OutHeader.LEN);
        if (len != r.length) {
            throw new AssertionError("out header len " + len + " but " + r.length + " bytes used");
        }
        ByteBuffer body = b.slice(OutHeader.BYTES, r.length - OutHeader.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        return new Reply(b.getInt(OutHeader.ERROR), b.getLong(OutHeader.UNIQUE), body, r.length);
    }

    public Reply call(int opcode, long nodeId, Args args, int replyCapacity) throws TimeoutException {
        return send(encode(opcode, nodeId, args), replyCapacity);
    }

    public Reply call(int opcode, long nodeId, Args args) throws TimeoutException {
        return call(opcode, nodeId, args, 4096);
    }

    // ---- the requests a guest sends, with the kernel's layouts ----

    /** FUSE_INIT as a Linux 6.1 guest sends it: 7.38, flags 0x7bfffffb + flags2 0xb. */
    public Reply init() throws TimeoutException {
        return call(Opcode.INIT, 0, args().u32(7).u32(38).u32(0x20000).u32(0x7bfffffb).u32(0xb).zeros(44));
    }

    public Reply lookup(long parent, String name) throws TimeoutException {
        return call(Opcode.LOOKUP, parent, args().name(name));
    }

    public Reply getattr(long node) throws TimeoutException {
        return call(Opcode.GETATTR, node, args().u32(0).u32(0).u64(0));
    }

    public Reply mkdir(long parent, String name, int mode) throws TimeoutException {
        return call(Opcode.MKDIR, parent, args().u32(mode).u32(022).name(name));
    }

    public Reply mknod(long parent, String name, int mode) throws TimeoutException {
        return call(Opcode.MKNOD, parent, args().u32(mode).u32(0).u32(022).u32(0).name(name));
    }

    public Reply symlink(long parent, String name, String target) throws TimeoutException {
        return call(Opcode.SYMLINK, parent, args().name(name).name(target));
    }

    public Reply readlink(long node) throws TimeoutException {
        return call(Opcode.READLINK, node, args());
    }

    public Reply link(long node, long newParent, String name) throws TimeoutException {
        return call(Opcode.LINK, newParent, args().u64(node).name(name));
    }

    /** fuse_create_in: flags, mode, umask, open_flags. */
    public Reply create(long parent, String name, int mode, int flags) throws TimeoutException {
        return call(Opcode.CREATE, parent, args().u32(flags).u32(mode).u32(022).u32(0).name(name));
    }

    public Reply open(long node, int flags) throws TimeoutException {
        return call(Opcode.OPEN, node, args().u32(flags).u32(0));
    }

    public Reply opendir(long node) throws TimeoutException {
        return call(Opcode.OPENDIR, node, args().u32(0).u32(0));
    }

    /** fuse_write_in: fh, offset, size, write_flags, lock_owner, flags, padding; then the data. */
    public Reply write(long node, long fh, long offset, byte[] data) throws TimeoutException {
        return call(Opcode.WRITE, node, args().u64(fh).u64(offset).u32(data.length).u32(0).u64(0).u32(02).u32(0)
                .bytes(data));
    }

    /** fuse_read_in: fh, offset, size, read_flags, lock_owner, flags, padding. */
    public Reply read(long node, long fh, long offset, int size) throws TimeoutException {
        return call(Opcode.READ, node, args().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0),
                OutHeader.BYTES + size);
    }

    public Reply readdir(int opcode, long node, long fh, long offset, int size) throws TimeoutException {
        return call(opcode, node, args().u64(fh).u64(offset).u32(size).u32(0).u64(0).u32(0).u32(0),
                OutHeader.BYTES + size);
    }

    /** fuse_release_in: fh, flags, release_flags, lock_owner. */
    public Reply release(int opcode, long node, long fh) throws TimeoutException {
        return call(opcode, node, args().u64(fh).u32(0).u32(0).u64(0));
    }

    public Reply flush(long node, long fh) throws TimeoutException {
        return call(Opcode.FLUSH, node, args().u64(fh).u32(0).u32(0).u64(0));
    }

    public Reply fsync(int opcode, long node, long fh, int flags) throws TimeoutException {
        return call(opcode, node, args().u64(fh).u32(flags).u32(0));
    }

    public Reply unlink(int opcode, long parent, String name) throws TimeoutException {
        return call(opcode, parent, args().name(name));
    }

    public Reply rename(long oldParent, String oldName, long newParent, String newName) throws TimeoutException {
        return call(Opcode.RENAME, oldParent, args().u64(newParent).name(oldName).name(newName));
    }

    public Reply rename2(long oldParent, String oldName, long newParent, String newName, int flags) throws TimeoutException {
        return call(Opcode.RENAME2, oldParent, args().u64(newParent).u32(flags).u32(0).name(oldName).name(newName));
    }

    /**
     * fuse_setattr_in: valid, padding, fh, size, lock_owner, atime, mtime, ctime, atimensec,
     * mtimensec, ctimensec, mode, unused4, uid, gid, unused5.
     */
    public Reply setattr(long node, int valid, long fh, long size, long atime, int atimensec, long mtime, int mtimensec,
                  int mode, int uid, int gid) throws TimeoutException {
        return call(Opcode.SETATTR, node, args().u32(valid).u32(0).u64(fh).u64(size).u64(0).u64(atime).u64(mtime)
                .u64(0).u32(atimensec).u32(mtimensec).u32(0).u32(mode).u32(0).u32(uid).u32(gid).u32(0));
    }

    public Reply statfs(long node) throws TimeoutException {
        return call(Opcode.STATFS, node, args());
    }

    public Reply access(long node, int mask) throws TimeoutException {
        return call(Opcode.ACCESS, node, args().u32(mask).u32(0));
    }

    /** fuse_fallocate_in: fh, offset, length, mode, padding. */
    public Reply fallocate(long node, long fh, long offset, long length, int mode) throws TimeoutException {
        return call(Opcode.FALLOCATE, node, args().u64(fh).u64(offset).u64(length).u32(mode).u32(0));
    }

    /** fuse_lseek_in: fh, offset, whence, padding. */
    public Reply lseek(long node, long fh, long offset, int whence) throws TimeoutException {
        return call(Opcode.LSEEK, node, args().u64(fh).u64(offset).u32(whence).u32(0));
    }

    public Reply syncfs(long node) throws TimeoutException {
        return call(Opcode.SYNCFS, node, args().u64(0));
    }

    /** fuse_setxattr_in without SETXATTR_EXT: size, flags; name; value. */
    public Reply setxattr(long node, String name, byte[] value, int flags) throws TimeoutException {
        return call(Opcode.SETXATTR, node, args().u32(value.length).u32(flags).name(name).bytes(value));
    }

    public Reply getxattr(long node, String name, int size) throws TimeoutException {
        return call(Opcode.GETXATTR, node, args().u32(size).u32(0).name(name), OutHeader.BYTES + Math.max(size, 8));
    }

    public Reply listxattr(long node, int size) throws TimeoutException {
        return call(Opcode.LISTXATTR, node, args().u32(size).u32(0), OutHeader.BYTES + Math.max(size, 8));
    }

    public Reply removexattr(long node, String name) throws TimeoutException {
        return call(Opcode.REMOVEXATTR, node, args().name(name));
    }

    public Reply forget(long node, long nlookup) throws TimeoutException {
        return call(Opcode.FORGET, node, args().u64(nlookup));
    }

    public Reply batchForget(long[] nodes, long[] counts) throws TimeoutException {
        Args a = args().u32(nodes.length).u32(0);
        for (int i = 0; i < nodes.length; i++) {
            a.u64(nodes[i]).u64(counts[i]);
        }
        return call(Opcode.BATCH_FORGET, 0, a);
    }

    // ---- reply decoding (fuse_entry_out, fuse_attr) ----

    public static final int ATTR_INO = 0;
    public static final int ATTR_SIZE = 8;
    public static final int ATTR_MTIME = 32;
    public static final int ATTR_MTIMENSEC = 52;
    public static final int ATTR_MODE = 60;
    public static final int ATTR_NLINK = 64;
    public static final int ATTR_UID = 68;
    public static final int ATTR_GID = 72;
    /** fuse_attr.flags: FUSE_ATTR_* bits. */
    public static final int ATTR_FLAGS = 84;
    public static final int FUSE_ATTR_SUBMOUNT = 1;
    /** fuse_entry_out.attr, fuse_attr_out.attr. */
    public static final int ENTRY_ATTR = 40;
    public static final int ATTR_OUT_ATTR = 16;

    public static long nodeId(Reply entry) {
        entry.ok();
        return entry.body().getLong(0);
    }

    /** fuse_open_out.fh (CREATE: after the 128-byte entry). */
    public static long fh(Reply open, int at) {
        open.ok();
        return open.body().getLong(at);
    }
}
