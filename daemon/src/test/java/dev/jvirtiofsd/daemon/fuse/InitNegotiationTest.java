package dev.jvirtiofsd.daemon.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fuse.FuseRequests.Reply;
import dev.jvirtiofsd.protocol.Errno;
import dev.jvirtiofsd.protocol.ForgetIn;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.InitFlags;
import dev.jvirtiofsd.protocol.InitIn;
import dev.jvirtiofsd.protocol.InitOut;
import dev.jvirtiofsd.protocol.Opcode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitNegotiationTest {
    /** What the default configuration negotiates with a guest that offers everything. */
    private static final long DEFAULT_NEGOTIATED = InitFlags.ASYNC_READ | InitFlags.ATOMIC_O_TRUNC
        | InitFlags.BIG_WRITES | InitFlags.AUTO_INVAL_DATA | InitFlags.ASYNC_DIO | InitFlags.PARALLEL_DIROPS
        | InitFlags.MAX_PAGES | InitFlags.INIT_EXT | InitFlags.DO_READDIRPLUS | InitFlags.READDIRPLUS_AUTO;

    @Test
    void linux61GuestGetsWhatWeImplement() {
        ServerHarness h = new ServerHarness();
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS,
            ServerHarness.LINUX_6_1_FLAGS2));
        assertEquals(0, r.error());
        assertEquals(16 + InitOut.BYTES, r.used());
        assertEquals(r.used(), r.length());
        InitOut out = new InitOut().decode(r.payload(), 0);
        assertEquals(7, out.major);
        assertEquals(38, out.minor);
        assertEquals(0x20000, out.maxReadahead, "max_readahead is echoed");
        assertEquals(DEFAULT_NEGOTIATED, InitFlags.combine(out.flags, out.flags2));
        assertEquals(65535, out.maxBackground);
        assertEquals(49149, out.congestionThreshold);
        assertEquals(1 << 20, out.maxWrite);
        assertEquals(1, out.timeGran);
        assertEquals(256, out.maxPages);
        assertEquals(0, out.mapAlignment);
        assertEquals(List.of("init " + Long.toHexString(DEFAULT_NEGOTIATED)), h.fs.calls);
        assertTrue(h.server.sessionOpen());
        assertEquals(DEFAULT_NEGOTIATED, h.server.negotiatedFlags());
    }

    @Test
    void linux612GuestGetsNoneOfItsNewFlags() {
        ServerHarness h = new ServerHarness();
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 41, ServerHarness.LINUX_6_1_FLAGS,
            ServerHarness.LINUX_6_12_FLAGS2));
        InitOut out = new InitOut().decode(r.payload(), 0);
        assertEquals(41, out.minor, "we serve up to 7.41 (STATX) and never claim more than the guest knows");
        assertEquals(InitFlags.CREATE_SUPP_GROUP >>> 32, out.flags2, "of flags2 only CREATE_SUPP_GROUP: no SECURITY_CTX, ALLOW_IDMAP, ...");
        assertEquals(DEFAULT_NEGOTIATED, Integer.toUnsignedLong(out.flags));
        long replied = InitFlags.combine(out.flags, out.flags2);
        for (long never : new long[] {InitFlags.POSIX_LOCKS, InitFlags.FLOCK_LOCKS, InitFlags.SUBMOUNTS,
            InitFlags.ALLOW_IDMAP, InitFlags.HANDLE_KILLPRIV_V2, InitFlags.SECURITY_CTX, InitFlags.WRITEBACK_CACHE,
            InitFlags.POSIX_ACL, InitFlags.SETXATTR_EXT, InitFlags.DONT_MASK}) {
            assertEquals(0, replied & never, InitFlags.describe(never));
        }
    }

    @Test
    void writebackAndReaddirplusFollowTheConfiguration() {
        long all = InitFlags.combine(ServerHarness.LINUX_6_1_FLAGS, ServerHarness.LINUX_6_1_FLAGS2);
        FuseServerConfig writeback = new FuseServerConfig(CachePolicy.AUTO, true, true, false);
        assertEquals(DEFAULT_NEGOTIATED | InitFlags.WRITEBACK_CACHE, negotiatedWith(writeback));
        assertEquals(DEFAULT_NEGOTIATED | InitFlags.WRITEBACK_CACHE, InitNegotiation.negotiate(all, writeback));

        FuseServerConfig noReaddirplus = new FuseServerConfig(CachePolicy.AUTO, false, false, false);
        assertEquals(DEFAULT_NEGOTIATED & ~InitNegotiation.READDIRPLUS, negotiatedWith(noReaddirplus));

        FuseServerConfig cacheNever = new FuseServerConfig(CachePolicy.NEVER, true, false, true);
        assertEquals(DEFAULT_NEGOTIATED & ~InitNegotiation.READDIRPLUS, negotiatedWith(cacheNever),
            "--cache=never forbids readdirplus");

        FuseServerConfig always = new FuseServerConfig(CachePolicy.ALWAYS, true, false, false);
        assertEquals(DEFAULT_NEGOTIATED, negotiatedWith(always));
    }

    @Test
    void submountsAreOfferedWhenAnnounced() {
        FuseServerConfig announce = FuseServerConfig.defaults().withAnnounceSubmounts(true);
        assertEquals(DEFAULT_NEGOTIATED | InitFlags.SUBMOUNTS, negotiatedWith(announce));
        assertEquals(DEFAULT_NEGOTIATED, negotiatedWith(announce.withAnnounceSubmounts(false)));
        ServerHarness h = new ServerHarness(announce);
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38,
            (int) (ServerHarness.LINUX_6_1_FLAGS & ~InitFlags.SUBMOUNTS), ServerHarness.LINUX_6_1_FLAGS2));
        assertEquals(0, InitFlags.combine(new InitOut().decode(r.payload(), 0).flags, 0) & InitFlags.SUBMOUNTS,
            "not to a guest that does not offer it");
    }

    private static long negotiatedWith(FuseServerConfig config) {
        ServerHarness h = new ServerHarness(config);
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS,
            ServerHarness.LINUX_6_1_FLAGS2));
        assertEquals(0, r.error());
        InitOut out = new InitOut().decode(r.payload(), 0);
        long negotiated = InitFlags.combine(out.flags, out.flags2);
        assertEquals(negotiated, h.server.negotiatedFlags());
        return negotiated;
    }

    @Test
    void flagsWeOfferAreOnlyGivenWhenTheGuestOffersThem() {
        ServerHarness h = new ServerHarness();
        int flags = (int) (InitFlags.ASYNC_READ | InitFlags.BIG_WRITES | InitFlags.FLOCK_LOCKS);
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, flags, 0));
        InitOut out = new InitOut().decode(r.payload(), 0);
        assertEquals(InitFlags.ASYNC_READ | InitFlags.BIG_WRITES, Integer.toUnsignedLong(out.flags));
    }

    @Test
    void guestWithoutInitExtSendsTheCompatStructAndItsFlags2IsIgnored() {
        ServerHarness h = new ServerHarness();
        int flags = (int) (ServerHarness.LINUX_6_1_FLAGS & ~InitFlags.INIT_EXT);
        byte[] compat = Arrays.copyOf(ServerHarness.initIn(7, 31, flags, 0), InitIn.COMPAT_BYTES);
        Reply r = h.send(Opcode.INIT, 0, compat);
        assertEquals(0, r.error());
        InitOut out = new InitOut().decode(r.payload(), 0);
        assertEquals(DEFAULT_NEGOTIATED & ~InitFlags.INIT_EXT, Integer.toUnsignedLong(out.flags));
        assertEquals(0, out.flags2);

        // Full struct without INIT_EXT: flags2 is garbage to us.
        ServerHarness h2 = new ServerHarness();
        Reply r2 = h2.send(Opcode.INIT, 0, ServerHarness.initIn(7, 35, flags, 0xffff_ffff));
        InitOut out2 = new InitOut().decode(r2.payload(), 0);
        assertEquals(0, out2.flags2);
        assertEquals(DEFAULT_NEGOTIATED & ~InitFlags.INIT_EXT, h2.server.negotiatedFlags());
    }

    @Test
    void initExtWithoutTheExtendedStructIsMalformed() {
        ServerHarness h = new ServerHarness();
        byte[] compat = Arrays.copyOf(ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS, 0), InitIn.COMPAT_BYTES);
        Reply r = h.send(Opcode.INIT, 0, compat);
        assertEquals(-Errno.EINVAL, r.error());
        assertEquals(List.of(), h.fs.calls);
        assertFalse(h.server.sessionOpen());
    }

    @Test
    void newerMajorGetsOnlyOurVersionSoThatTheKernelRetries() {
        ServerHarness h = new ServerHarness();
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(8, 0, ServerHarness.LINUX_6_1_FLAGS, 0));
        assertEquals(0, r.error());
        InitOut out = new InitOut().decode(r.payload(), 0);
        assertEquals(7, out.major);
        assertEquals(41, out.minor);
        assertEquals(0, out.flags);
        assertEquals(0, out.maxWrite);
        assertEquals(List.of(), h.fs.calls, "no session yet");
        assertFalse(h.server.sessionOpen());
        // The retry with 7.x then opens the session.
        assertEquals(0, h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS,
            ServerHarness.LINUX_6_1_FLAGS2)).error());
        assertTrue(h.server.sessionOpen());
    }

    @Test
    void oldVersionsAreRefusedWithEproto() {
        for (int[] version : new int[][] {{6, 38}, {7, 26}, {7, 0}}) {
            ServerHarness h = new ServerHarness();
            Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(version[0], version[1], ServerHarness.LINUX_6_1_FLAGS, 0));
            assertEquals(-Errno.EPROTO, r.error(), version[0] + "." + version[1]);
            assertEquals(16, r.used());
            assertFalse(h.server.sessionOpen());
            assertEquals(List.of(), h.fs.calls);
        }
        ServerHarness h = new ServerHarness();
        assertEquals(0, h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 27, ServerHarness.LINUX_6_1_FLAGS, 0)).error(),
            "7.27 is the oldest we serve");
    }

    @Test
    void requestsBeforeInitAnswerEioAndForgetsAreIgnored() {
        ServerHarness h = new ServerHarness();
        Reply r = h.send(Opcode.GETATTR, 1, FuseRequests.struct(new GetattrIn(), GetattrIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertEquals(-Errno.EIO, r.error());
        ForgetIn forget = new ForgetIn();
        forget.nlookup = 1;
        Reply f = h.send(Opcode.FORGET, 5, FuseRequests.struct(forget, ForgetIn.BYTES, (s, b) -> s.encode(b, 0)));
        assertEquals(0, f.used());
        assertEquals(0, h.send(Opcode.DESTROY, 0).used());
        assertEquals(List.of(), h.fs.calls);
    }

    @Test
    void fileSystemThatRefusesInitLeavesNoSession() {
        ServerHarness h = new ServerHarness();
        h.fs.results.put("init", (long) -Errno.ENOMEM);
        Reply r = h.send(Opcode.INIT, 0, ServerHarness.initIn(7, 38, ServerHarness.LINUX_6_1_FLAGS, 0));
        assertEquals(-Errno.ENOMEM, r.error());
        assertFalse(h.server.sessionOpen());
    }

    @Test
    void destroyEndsTheSessionAndResetDoesToo() {
        ServerHarness h = new ServerHarness().init();
        Reply d = h.send(Opcode.DESTROY, 0);
        assertEquals(0, d.used(), "DESTROY has no reply");
        assertEquals(0, h.last.writes, "nothing written");
        assertEquals(List.of("destroy"), h.fs.calls);
        assertFalse(h.server.sessionOpen());
        assertEquals(0, h.server.negotiatedFlags());
        assertEquals(-Errno.EIO, h.send(Opcode.STATFS, 1).error());

        h.init();
        h.server.reset();
        assertFalse(h.server.sessionOpen());
        assertEquals(List.of("destroy"), h.fs.calls);
        // A new INIT starts a new session.
        h.init();
        assertTrue(h.server.sessionOpen());
    }
}
