package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.fs.DirSink;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.protocol.Dirent;
import dev.jvirtiofsd.protocol.DirentPlus;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Packs READDIRPLUS entries ({@code fuse_direntplus}): each entry is looked up (which counts a
 * lookup the guest will FORGET) except "." and "..", which get node id 0 with only ino and
 * type. An entry is checked to fit before it is looked up, so a refused entry costs no lookup;
 * the node ids looked up are kept so that they can be forgotten if the reply never reaches the
 * guest.
 */
final class DirentPlusPacker implements DirSink {
    private final FileSystem fs;
    private final Entry entry = new Entry();
    private long[] lookedUp = new long[64];
    private int lookedUpCount;

    private ByteBuffer buffer;
    private int start;
    private int size;
    private int used;
    private RequestContext ctx;
    private long parent;
    private int lookupError;

    DirentPlusPacker(FileSystem fs) {
        this.fs = fs;
    }

    /** Packs entries of directory {@code parent} from {@code start} of {@code buffer}, at most {@code size} bytes. */
    void begin(ByteBuffer buffer, int start, int size, RequestContext ctx, long parent) {
        this.buffer = buffer;
        this.start = start;
        this.size = size;
        this.ctx = ctx;
        this.parent = parent;
        used = 0;
        lookedUpCount = 0;
        lookupError = 0;
    }

    /** Bytes packed so far. */
    int used() {
        return used;
    }

    /** The negative errno of the lookup that stopped packing, or 0. */
    int lookupError() {
        return lookupError;
    }

    /** Undoes the lookups of every packed entry (the reply did not reach the guest). */
    void forgetLookedUp() {
        for (int i = 0; i < lookedUpCount; i++) {
            fs.forget(lookedUp[i], 1);
        }
        lookedUpCount = 0;
    }

    @Override
    public boolean add(long ino, long nextOffset, int type, byte[] name, int nameLength) {
        if (lookupError != 0 || nameLength < 0 || nameLength > name.length || nameLength > size) {
            return false;
        }
        int length = DirentPlus.recordLength(nameLength);
        if (length > size - used) {
            return false;
        }
        entry.clear();
        if (isDotOrDotDot(name, nameLength)) {
            entry.attr.ino = ino;
            entry.attr.mode = type << 12;
        } else {
            int rc = fs.lookup(ctx, parent, Arrays.copyOf(name, nameLength), entry);
            if (rc < 0) {
                lookupError = rc;
                return false;
            }
            remember(entry.nodeId);
        }
        int at = start + used;
        ReplyEncoder.putEntry(buffer, at + DirentPlus.ENTRY_OUT, entry);
        Dirent.write(buffer, at + DirentPlus.DIRENT, ino, nextOffset, type, name, nameLength);
        used += length;
        return true;
    }

    private void remember(long nodeId) {
        if (nodeId == 0) {
            return; // no inode, no lookup count
        }
        if (lookedUpCount == lookedUp.length) {
            lookedUp = Arrays.copyOf(lookedUp, lookedUp.length * 2);
        }
        lookedUp[lookedUpCount++] = nodeId;
    }

    private static boolean isDotOrDotDot(byte[] name, int length) {
        return (length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.');
    }
}
