package dev.jvirtiofsd.daemon.fuse;

import static dev.jvirtiofsd.daemon.fuse.FuseRequests.bytes;
import static dev.jvirtiofsd.daemon.fuse.FuseRequests.name;
import static dev.jvirtiofsd.daemon.fuse.FuseRequests.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fuse.FuseRequests.Reply;
import dev.jvirtiofsd.protocol.BatchForgetIn;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.GetxattrIn;
import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.protocol.MkdirIn;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.RenameIn;
import dev.jvirtiofsd.protocol.SetxattrIn;
import dev.jvirtiofsd.protocol.WriteIn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A hostile guest's requests get an error reply (or none), never reach the file system, and never stop the server. */
class MalformedRequestTest {
    private final ServerHarness h = new ServerHarness(new FuseServerConfig(CachePolicy.AUTO, true, false, true)).init();

    /** After every bad request the server still serves a good one. */
    private void assertStillServing() {
        h.fs.calls.clear();
        Reply r = h.send(Opcode.LOOKUP, 1, name("ok"));
        assertEquals(0, r.error());
        assertEquals(List.of("lookup 1000/1001/4242 1 ok"), h.fs.calls);
        h.fs.calls.clear();
    }

    private void assertRejected(Reply r, int errno) {
        assertEquals(-errno, r.error());
        assertEquals(16, r.used());
        assertEquals(16, r.length());
        assertEquals(List.of(), h.fs.calls, "the file system is not called");
        assertStillServing();
    }

    @Test
    void requestShorterThanTheHeader() {
        ByteBuffer full = FuseRequests.request(Opcode.LOOKUP, 77, 1, 0, name("x"));
        Reply r = h.send(full.slice(0, 20).order(ByteOrder.LITTLE_ENDIAN), 4096);
        assertEquals(0, r.unique(), "the unique is unknown");
        assertRejected(r, Errno.EINVAL);
        assertRejected(h.send(ByteBuffer.allocate(0), 4096), Errno.EINVAL);
    }

    @Test
    void headerLengthDifferentFromTheRequest() {
        ByteBuffer req = FuseRequests.request(Opcode.LOOKUP, 77, 1, 0, name("abc"));
        ByteBuffer longer = ByteBuffer.allocate(req.limit() + 8).order(ByteOrder.LITTLE_ENDIAN).put(req.duplicate());
        longer.clear(); // all of it: eight bytes more than the header says
        Reply r = h.send(longer, 4096);
        assertEquals(77, r.unique());
        assertRejected(r, Errno.EINVAL);

        ByteBuffer shorter = FuseRequests.request(Opcode.LOOKUP, 78, 1, 0, name("abc"));
        shorter.putInt(InHeader.LEN, shorter.limit() - 2);
        assertRejected(h.send(shorter, 4096), Errno.EINVAL);

        ByteBuffer tooShortForAHeader = FuseRequests.request(Opcode.LOOKUP, 79, 1, 0, name("abc"));
        tooShortForAHeader.putInt(InHeader.LEN, 8);
        assertRejected(h.send(tooShortForAHeader, 4096), Errno.EINVAL);
    }

    @Test
    void requestLongerThanOneMegabytePlusFourKilobytesAnswersEnomem() {
        ByteBuffer req = FuseRequests.request(Opcode.WRITE, 5, 1, 0, new byte[WriteIn.BYTES]);
        req.putInt(InHeader.LEN, FuseServer.MAX_REQUEST_BYTES + 1);
        assertRejected(h.send(req, 4096), Errno.ENOMEM);
        req.putInt(InHeader.LEN, -1); // 4 GiB - 1, unsigned
        assertRejected(h.send(req, 4096), Errno.ENOMEM);
    }

    @Test
    void extensionsLongerThanTheRequest() {
        assertRejected(h.send(FuseRequests.request(Opcode.LOOKUP, 5, 1, 0xffff, name("x")), 4096), Errno.EINVAL);
        assertRejected(h.send(FuseRequests.request(Opcode.LOOKUP, 5, 1, 1, name("x")), 4096), Errno.EINVAL);
    }

    @Test
    void extensionsAfterTheNameAreSkipped() {
        MkdirIn in = new MkdirIn();
        in.mode = 0700;
        byte[] extension = new byte[16]; // e.g. a supplementary-groups extension we did not negotiate
        Arrays.fill(extension, (byte) 'E');
        Reply r = h.send(FuseRequests.request(Opcode.MKDIR, 5, 1, 2, struct(in, MkdirIn.BYTES, (s, b) -> s.encode(b, 0)),
            name("dir"), extension), 4096);
        assertEquals(0, r.error());
        assertEquals(List.of("mkdir 1000/1001/4242 1 dir mode=700 umask=0"), h.fs.calls);
    }

    @Test
    void namesMustEndInTheirOnlyNul() {
        assertRejected(h.send(Opcode.LOOKUP, 1, bytes("no-nul")), Errno.EINVAL);
        assertRejected(h.send(Opcode.LOOKUP, 1, bytes("in\0side\0")), Errno.EINVAL);
        assertRejected(h.send(Opcode.LOOKUP, 1, bytes("trailing\0\0")), Errno.EINVAL);
        assertRejected(h.send(Opcode.LOOKUP, 1), Errno.EINVAL);
        assertRejected(h.send(Opcode.UNLINK, 1, bytes("x")), Errno.EINVAL);
        assertRejected(h.send(Opcode.RMDIR, 1, bytes("x")), Errno.EINVAL);
        assertRejected(h.send(Opcode.SYMLINK, 1, name("only-one-name")), Errno.EINVAL);
        assertRejected(h.send(Opcode.SYMLINK, 1, name("a"), bytes("b")), Errno.EINVAL);
        RenameIn rename = new RenameIn();
        byte[] renameIn = struct(rename, RenameIn.BYTES, (s, b) -> s.encode(b, 0));
        assertRejected(h.send(Opcode.RENAME, 1, renameIn, name("old")), Errno.EINVAL);
        assertRejected(h.send(Opcode.RENAME, 1, renameIn, name("old"), name("new"), name("extra")), Errno.EINVAL);
        assertRejected(h.send(Opcode.MKDIR, 1, new byte[MkdirIn.BYTES]), Errno.EINVAL);
        assertRejected(h.send(Opcode.REMOVEXATTR, 1, bytes("user.x")), Errno.EINVAL);
    }

    @Test
    void anEmptyNameIsPassedOnForTheFileSystemToRefuse() {
        h.fs.results.put("lookup", (long) -Errno.ENOENT);
        assertEquals(-Errno.ENOENT, h.send(Opcode.LOOKUP, 1, name("")).error());
        assertEquals(List.of("lookup 1000/1001/4242 1 "), h.fs.calls);
    }

    @Test
    void argumentsShorterThanTheStruct() {
        assertRejected(h.send(Opcode.GETATTR, 1, new byte[8]), Errno.EINVAL);
        assertRejected(h.send(Opcode.SETATTR, 1, new byte[80]), Errno.EINVAL);
        assertRejected(h.send(Opcode.READ, 1, new byte[ReadIn.BYTES - 1]), Errno.EINVAL);
        assertRejected(h.send(Opcode.WRITE, 1, new byte[WriteIn.BYTES - 8]), Errno.EINVAL);
        assertRejected(h.send(Opcode.OPEN, 1), Errno.EINVAL);
        assertRejected(h.send(Opcode.FLUSH, 1, new byte[16]), Errno.EINVAL);
        // No reply expected: nothing is written at all.
        Reply forget = h.sendWithRoom(0, Opcode.FORGET, 1, new byte[4]);
        assertEquals(0, forget.used());
        assertEquals(0, h.last.writes);
        assertEquals(List.of(), h.fs.calls);
        assertStillServing();
    }

    @Test
    void batchForgetCountingMoreEntriesThanItHoldsIsIgnored() {
        BatchForgetIn in = new BatchForgetIn();
        in.count = 3;
        Reply r = h.sendWithRoom(0, Opcode.BATCH_FORGET, 0, struct(in, BatchForgetIn.BYTES, (s, b) -> s.encode(b, 0)),
            new byte[32]);
        assertEquals(0, r.used());
        in.count = -1; // 4 billion, unsigned
        h.sendWithRoom(0, Opcode.BATCH_FORGET, 0, struct(in, BatchForgetIn.BYTES, (s, b) -> s.encode(b, 0)), new byte[32]);
        assertEquals(List.of(), h.fs.calls);
        assertStillServing();
    }

    @Test
    void writeSizeMustMatchItsData() {
        WriteIn in = new WriteIn();
        in.size = 100;
        byte[] args = struct(in, WriteIn.BYTES, (s, b) -> s.encode(b, 0));
        assertRejected(h.send(Opcode.WRITE, 1, args, new byte[99]), Errno.EINVAL);
        assertRejected(h.send(Opcode.WRITE, 1, args, new byte[101]), Errno.EINVAL);
        in.size = -1;
        assertRejected(h.send(Opcode.WRITE, 1, struct(in, WriteIn.BYTES, (s, b) -> s.encode(b, 0)), new byte[100]),
            Errno.EINVAL);
    }

    @Test
    void setxattrValueMustMatchItsSize() {
        SetxattrIn in = new SetxattrIn();
        in.size = 10;
        byte[] args = Arrays.copyOf(struct(in, SetxattrIn.BYTES, (s, b) -> s.encode(b, 0)), SetxattrIn.COMPAT_BYTES);
        assertRejected(h.send(Opcode.SETXATTR, 1, args, name("user.a"), bytes("short")), Errno.EINVAL);
        assertRejected(h.send(Opcode.SETXATTR, 1, args, bytes("user.a-without-nul")), Errno.EINVAL);
    }

    @Test
    void sizesLargerThanTheRepliesBuffers() {
        ReadIn in = new ReadIn();
        in.size = 4096;
        byte[] read = struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0));
        assertRejected(h.sendWithRoom(16 + 4095, Opcode.READ, 1, read), Errno.EINVAL);
        assertRejected(h.sendWithRoom(16 + 4095, Opcode.READDIR, 1, read), Errno.EINVAL);
        assertRejected(h.sendWithRoom(16 + 4095, Opcode.READDIRPLUS, 1, read), Errno.EINVAL);
        in.size = (1 << 20) + 1;
        byte[] huge = struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0));
        assertRejected(h.sendWithRoom(16 + (2 << 20), Opcode.READ, 1, huge), Errno.ENOMEM);
        assertRejected(h.sendWithRoom(16 + (2 << 20), Opcode.READDIR, 1, huge), Errno.ENOMEM);
        in.size = -1;
        assertRejected(h.sendWithRoom(4096, Opcode.READ, 1, struct(in, ReadIn.BYTES, (s, b) -> s.encode(b, 0))),
            Errno.ENOMEM);

        GetxattrIn get = new GetxattrIn();
        get.size = 100;
        assertRejected(h.sendWithRoom(16 + 99, Opcode.GETXATTR, 1, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0)),
            name("user.a")), Errno.EINVAL);
        assertRejected(h.sendWithRoom(16 + 99, Opcode.LISTXATTR, 1, struct(get, GetxattrIn.BYTES, (s, b) -> s.encode(b, 0))),
            Errno.EINVAL);
    }

    @Test
    void roomForAnErrorButNotForTheReply() {
        assertRejected(h.sendWithRoom(16 + EntryOut.BYTES - 1, Opcode.LOOKUP, 1, name("x")), Errno.EINVAL);
        assertRejected(h.sendWithRoom(16, Opcode.STATFS, 1), Errno.EINVAL);
    }

    @Test
    void noRoomEvenForAnErrorDropsTheRequest() {
        Reply r = h.sendWithRoom(15, Opcode.LOOKUP, 1, name("x"));
        assertEquals(0, r.used());
        assertEquals(0, h.last.writes);
        Reply none = h.sendWithRoom(0, Opcode.GETATTR, 1, new byte[16]);
        assertEquals(0, none.used());
        assertEquals(List.of(), h.fs.calls);
        assertStillServing();
    }

    @Test
    void aRequestLargerThanTheFirstScratchBufferIsGatheredWhole() {
        SetxattrIn in = new SetxattrIn();
        in.size = 60000;
        byte[] value = new byte[60000];
        Arrays.fill(value, (byte) 'v');
        byte[] args = Arrays.copyOf(struct(in, SetxattrIn.BYTES, (s, b) -> s.encode(b, 0)), SetxattrIn.COMPAT_BYTES);
        Reply r = h.send(Opcode.SETXATTR, 1, args, name("user.big"), value);
        assertEquals(0, r.error());
        assertEquals(1, h.fs.calls.size());
        assertEquals("setxattr 1 user.big=" + "v".repeat(60000) + " flags=0", h.fs.calls.get(0));
        assertStillServing();
    }
}
