package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.FuseRequests.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvirtiofsd.daemon.fuse.FuseRequests.Reply;
import dev.jvirtiofsd.daemon.fuse.RecordingFileSystem.DirEntry;
import dev.jvirtiofsd.protocol.Dirent;
import dev.jvirtiofsd.protocol.DirentPlus;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.ReadIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** READDIR and READDIRPLUS: packing, the size limit, and lookup counts. */
class DirectoryTest {
    private static final int DT_DIR = 4;
    private static final int DT_REG = 8;

    private final ServerHarness h = new ServerHarness().init();

    DirectoryTest() {
        h.fs.directory.add(new DirEntry(2, 1, DT_DIR, "."));
        h.fs.directory.add(new DirEntry(1, 2, DT_DIR, ".."));
        h.fs.directory.add(new DirEntry(500, 3, DT_REG, "a"));
        h.fs.directory.add(new DirEntry(501, 4, DT_REG, "nine-char"));
        h.fs.directory.add(new DirEntry(502, 5, DT_DIR, "a-much-longer-name-of-a-dir"));
    }

    private static byte[] readIn(long fh, long offset, int size) {
        ReadIn in = new ReadIn();
        in.fh = fh;
        in.offset = offset;
        in.size = size;
        return struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0));
    }

    /** The records of a READDIR reply as "ino off type name". */
    private static List<String> dirents(Reply r) {
        List<String> out = new ArrayList<>();
        ByteBuffer p = r.payload();
        int at = 0;
        while (at < r.payloadLength()) {
            Dirent d = new Dirent().decode(p, at);
            out.add(d.ino + " " + d.off + " " + d.type + " " + new String(d.name(p, at), StandardCharsets.UTF_8));
            int end = at + Dirent.recordLength(d.namelen);
            for (int i = at + Dirent.NAME + d.namelen; i < end; i++) {
                assertEquals(0, p.get(i), "padding is zero");
            }
            at = end;
        }
        assertEquals(r.payloadLength(), at, "records fill the payload exactly");
        return out;
    }

    /** The records of a READDIRPLUS reply as "nodeid ino mode | ino off type name". */
    private static List<String> direntPluses(Reply r) {
        List<String> out = new ArrayList<>();
        ByteBuffer p = r.payload();
        int at = 0;
        while (at < r.payloadLength()) {
            DirentPlus d = new DirentPlus().decode(p, at);
            byte[] name = d.dirent.name(p, at + DirentPlus.DIRENT);
            out.add(d.entryOut.nodeid + " " + d.entryOut.attr.ino + " " + Integer.toOctalString(d.entryOut.attr.mode)
                + " | " + d.dirent.ino + " " + d.dirent.off + " " + d.dirent.type + " "
                + new String(name, StandardCharsets.UTF_8));
            at += DirentPlus.recordLength(d.dirent.namelen);
        }
        assertEquals(r.payloadLength(), at, "records fill the payload exactly");
        return out;
    }

    @Test
    void readdirPacksEveryEntryThatFits() {
        Reply r = h.send(Opcode.READDIR, 3, readIn(9, 0, 4096));
        assertEquals(0, r.error());
        assertEquals(List.of("2 1 4 .", "1 2 4 ..", "500 3 8 a", "501 4 8 nine-char", "502 5 4 a-much-longer-name-of-a-dir"),
            dirents(r));
        assertEquals(32 + 32 + 32 + 40 + 56, r.payloadLength());
        assertEquals(List.of("readdir 3 fh=9 off=0"), h.fs.calls);
    }

    @Test
    void readdirStopsAtTheGuestsSize() {
        // ".", "..", "a" take 96 bytes; "nine-char" needs 40 more.
        Reply r = h.send(Opcode.READDIR, 3, readIn(9, 7, 96 + 39));
        assertEquals(List.of("2 1 4 .", "1 2 4 ..", "500 3 8 a"), dirents(r));
        assertEquals(List.of(3), h.fs.entriesTaken, "the fourth entry was refused");
        assertEquals(List.of("readdir 3 fh=9 off=7"), h.fs.calls);
    }

    @Test
    void readdirOfSizeZeroOrPastTheEndIsEmpty() {
        assertEquals(16, h.send(Opcode.READDIR, 3, readIn(9, 0, 0)).used());
        h.fs.directory.clear();
        Reply end = h.send(Opcode.READDIR, 3, readIn(9, 99, 4096));
        assertEquals(0, end.error());
        assertEquals(16, end.used());
    }

    @Test
    void readdirErrorsWithoutEntriesAreRepliedAndAfterEntriesTheEntriesAre() {
        h.fs.results.put("readdir", (long) -Errno.EBADF);
        h.fs.directory.clear();
        assertEquals(-Errno.EBADF, h.send(Opcode.READDIR, 3, readIn(9, 0, 4096)).error());
        h.fs.directory.add(new DirEntry(500, 3, DT_REG, "a"));
        Reply partial = h.send(Opcode.READDIR, 3, readIn(9, 0, 4096));
        assertEquals(0, partial.error());
        assertEquals(List.of("500 3 8 a"), dirents(partial));
    }

    @Test
    void readdirplusLooksUpEveryEntryButDotAndDotDot() {
        Reply r = h.send(Opcode.READDIRPLUS, 3, readIn(9, 0, 4096));
        assertEquals(0, r.error());
        // Lookups return node ids 100, 101, ... with attr.ino = 10 * node id (RecordingFileSystem).
        assertEquals(List.of(
            "0 2 40000 | 2 1 4 .",
            "0 1 40000 | 1 2 4 ..",
            "100 1000 100644 | 500 3 8 a",
            "101 1010 100644 | 501 4 8 nine-char",
            "102 1020 100644 | 502 5 4 a-much-longer-name-of-a-dir"), direntPluses(r));
        assertEquals(List.of("readdir 3 fh=9 off=0", "lookup 1000/1001/4242 3 a", "lookup 1000/1001/4242 3 nine-char",
            "lookup 1000/1001/4242 3 a-much-longer-name-of-a-dir"), h.fs.calls);
        EntryOut dot = new EntryOut().decode(r.payload(), 0);
        assertEquals(0, dot.entryValid, "no timeouts for . and ..");
        assertEquals(0, dot.attrValid);
        assertEquals(0, dot.generation);
        assertEquals(0, dot.attr.size);
    }

    @Test
    void readdirplusDoesNotLookUpAnEntryThatDoesNotFit() {
        // ".", "..", "a" take 160 bytes each; "nine-char" needs 168 more.
        Reply r = h.send(Opcode.READDIRPLUS, 3, readIn(9, 0, 3 * 160 + 167));
        assertEquals(3, direntPluses(r).size());
        assertEquals(List.of("readdir 3 fh=9 off=0", "lookup 1000/1001/4242 3 a"), h.fs.calls,
            "only the entries that fit are looked up, and nothing is forgotten");
        assertEquals(List.of(3), h.fs.entriesTaken);
    }

    @Test
    void readdirplusForgetsItsLookupsWhenTheReplyCannotBeDelivered() {
        BufferMemory memory = new BufferMemory(FuseRequests.request(Opcode.READDIRPLUS, 50, 3, 0, readIn(9, 0, 4096)),
            4096 + 16);
        memory.writeLimit = 100; // the guest's buffers take only part of the reply
        Reply r = h.send(memory);
        assertEquals(0, r.used(), "nothing delivered");
        assertEquals(List.of("readdir 3 fh=9 off=0", "lookup 1000/1001/4242 3 a", "lookup 1000/1001/4242 3 nine-char",
            "lookup 1000/1001/4242 3 a-much-longer-name-of-a-dir", "forget 100 1", "forget 101 1", "forget 102 1"),
            h.fs.calls);
    }

    @Test
    void readdirplusLookupFailures() {
        h.fs.lookupResults.put("a", -Errno.ENOENT); // vanished between getdents and the lookup
        Reply partial = h.send(Opcode.READDIRPLUS, 3, readIn(9, 0, 4096));
        assertEquals(0, partial.error());
        assertEquals(List.of("0 2 40000 | 2 1 4 .", "0 1 40000 | 1 2 4 .."), direntPluses(partial),
            "the entries before the failure");

        h.fs.calls.clear();
        h.fs.directory.remove(0);
        h.fs.directory.remove(0);
        Reply failed = h.send(Opcode.READDIRPLUS, 3, readIn(9, 0, 4096));
        assertEquals(-Errno.ENOENT, failed.error(), "a failure before any entry is the reply");
        assertEquals(List.of("readdir 3 fh=9 off=0", "lookup 1000/1001/4242 3 a"), h.fs.calls);
    }

    @Test
    void readdirplusAfterAnExceptionForgetsWhatItLookedUp() {
        h.fs.directory.add(new DirEntry(600, 6, DT_REG, "boom"));
        h.fs.lookupResults.put("boom", 0);
        RecordingFileSystem fs = h.fs;
        // Make the fourth lookup throw.
        FuseServer server = new FuseServer(new ThrowingOnLookup(fs, "boom"), FuseServerConfig.defaults());
        BufferMemory init = new BufferMemory(FuseRequests.request(Opcode.INIT, 1, 0, 0,
            ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS, 0)), 4096);
        server.handle(1, init);
        fs.calls.clear();
        BufferMemory memory = new BufferMemory(FuseRequests.request(Opcode.READDIRPLUS, 2, 3, 0, readIn(9, 0, 4096)), 8192);
        Reply r = Reply.of(server.handle(1, memory), memory);
        assertEquals(-Errno.EIO, r.error());
        assertEquals(List.of("readdir 3 fh=9 off=0", "lookup 1000/1001/4242 3 a", "lookup 1000/1001/4242 3 nine-char",
            "lookup 1000/1001/4242 3 a-much-longer-name-of-a-dir", "forget 100 1", "forget 101 1", "forget 102 1"),
            fs.calls);
    }

    /** Delegates to a RecordingFileSystem but throws when one name is looked up. */
    private static final class ThrowingOnLookup implements dev.jvirtiofsd.daemon.fs.FileSystem {
        private final RecordingFileSystem fs;
        private final String name;

        ThrowingOnLookup(RecordingFileSystem fs, String name) {
            this.fs = fs;
            this.name = name;
        }

        @Override
        public int init(long negotiatedFlags) {
            return fs.init(negotiatedFlags);
        }

        @Override
        public int lookup(dev.jvirtiofsd.daemon.fs.RequestContext ctx, long parent, byte[] n,
                          dev.jvirtiofsd.daemon.fs.Entry out) {
            if (RecordingFileSystem.str(n).equals(name)) {
                throw new IllegalStateException("lookup of " + name);
            }
            return fs.lookup(ctx, parent, n, out);
        }

        @Override
        public void forget(long nodeId, long nlookup) {
            fs.forget(nodeId, nlookup);
        }

        @Override
        public int readdir(dev.jvirtiofsd.daemon.fs.RequestContext ctx, long nodeId, long fh, long offset,
                           dev.jvirtiofsd.daemon.fs.DirSink sink) {
            return fs.readdir(ctx, nodeId, fh, offset, sink);
        }
    }
}
