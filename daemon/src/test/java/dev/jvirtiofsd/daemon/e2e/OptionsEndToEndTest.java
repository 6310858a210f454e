package dev.jvirtiofsd.daemon.e2e;

import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.fh;
import static dev.jvirtiofsd.daemon.e2e.FuseTestClient.nodeId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient.Reply;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options that shape INIT and the host's open flags, each run with and without the option
 * so that an option the daemon ignored fails: --writeback, --allow-mmap, --no-readdirplus,
 * --allow-direct-io, --preserve-noatime and the four --cache modes. The daemon runs in this JVM,
 * so its open fds (and their flags, in /proc/self/fdinfo) are ours to inspect.
 */
class OptionsEndToEndTest {
    static final int S_IFREG = 0100000;
    static final int O_ACCMODE = 3;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_APPEND = 02000;
    static final int O_DIRECT = 040000;
    static final int O_NOATIME = 01000000;
    static final int LINUX_6_1_FLAGS = 0x7bfffffb;
    static final int LINUX_6_1_FLAGS2 = 0xb;
    static final int LINUX_6_12_FLAGS2 = 0x1ff;
    static final int ASYNC_READ = 1;
    static final int DO_READDIRPLUS = 1 << 13;
    static final int READDIRPLUS_AUTO = 1 << 14;
    static final int WRITEBACK_CACHE = 1 << 16;
    static final int PARALLEL_DIROPS = 1 << 18;
    static final int MAX_PAGES = 1 << 22;
    /** DIRECT_IO_ALLOW_MMAP is bit 36: bit 4 of flags2. */
    static final int DIRECT_IO_ALLOW_MMAP_IN_FLAGS2 = 1 << 4;
    static final int FOPEN_DIRECT_IO = 1;
    static final int FOPEN_KEEP_CACHE = 2;
    static final int FOPEN_CACHE_DIR = 8;

    @TempDir
    Path tmp;
    Path shared;
    RunningDaemon daemon;
    FuseTestClient fuse;
    private int started;

    /** A fresh daemon with {@code args}, and a guest that sent INIT with these flags; returns the INIT reply. */
    Reply start(int flags2, String... args) throws Exception {
        stop();
        shared = Files.createDirectories(tmp.resolve("shared"));
        daemon = RunningDaemon.start(shared, tmp.resolve("vfs" + started++ + ".sock"), FrontendOptions.defaults(),
                args);
        fuse = new FuseTestClient(daemon.frontend);
        Reply init = OpsSupport.init(fuse, 38, LINUX_6_1_FLAGS, flags2);
        init.ok();
        return init;
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    private static int flags(Reply init) {
        return init.body().getInt(12);
    }

    private static int flags2(Reply init) {
        return init.body().getInt(32);
    }

    /** Opens {@code name} through the daemon with the guest's {@code openFlags}; returns the host fd's flags. */
    private int hostFlagsOfOpen(String name, int openFlags) throws Exception {
        Files.writeString(shared.resolve(name), "data");
        long node = nodeId(fuse.lookup(1, name));
        long fh = fh(fuse.open(node, openFlags), 0);
        try {
            return OpsSupport.onlyOpenFlags(shared.resolve(name));
        } finally {
            fuse.release(dev.jvirtiofsd.protocol.Opcode.RELEASE, node, fh).ok();
        }
    }

    @Test
    void writebackIsOfferedOnlyWithTheOptionAndThenWriteOnlyOpensReadWrite() throws Exception {
        Reply init = start(LINUX_6_1_FLAGS2);
        assertEquals(0, flags(init) & WRITEBACK_CACHE);
        assertEquals(O_WRONLY, hostFlagsOfOpen("plain", O_WRONLY) & O_ACCMODE);
        assertEquals(0, hostFlagsOfOpen("plain-append", O_WRONLY | O_APPEND) & O_APPEND,
                "O_APPEND never reaches the host fd: appends are made per write");

        init = start(LINUX_6_1_FLAGS2, "--writeback");
        assertEquals(WRITEBACK_CACHE, flags(init) & WRITEBACK_CACHE);
        assertEquals(O_RDWR, hostFlagsOfOpen("wb", O_WRONLY) & O_ACCMODE,
                "the guest's page cache may read back partial pages");
        int appending = hostFlagsOfOpen("wb-append", O_WRONLY | O_APPEND);
        assertEquals(0, appending & O_APPEND, "the guest computes append offsets itself");
        assertEquals(O_RDWR, appending & O_ACCMODE);
        Reply c = fuse.create(1, "created", S_IFREG | 0644, O_WRONLY);
        long fh = fh(c, 128);
        assertEquals(O_RDWR, OpsSupport.onlyOpenFlags(shared.resolve("created")) & O_ACCMODE);
        fuse.release(dev.jvirtiofsd.protocol.Opcode.RELEASE, nodeId(c), fh).ok();
    }

    @Test
    void allowMmapIsOfferedOnlyWithTheOptionAndOnlyToAGuestThatOffersIt() throws Exception {
        assertEquals(0, flags2(start(LINUX_6_12_FLAGS2)) & DIRECT_IO_ALLOW_MMAP_IN_FLAGS2);
        assertEquals(DIRECT_IO_ALLOW_MMAP_IN_FLAGS2,
                flags2(start(LINUX_6_12_FLAGS2, "--allow-mmap")) & DIRECT_IO_ALLOW_MMAP_IN_FLAGS2);
        assertEquals(0, flags2(start(LINUX_6_1_FLAGS2, "--allow-mmap")) & DIRECT_IO_ALLOW_MMAP_IN_FLAGS2,
                "a 6.1 guest does not know the flag");
    }

    @Test
    void noReaddirplusTakesBothReaddirplusFlagsAway() throws Exception {
        int readdirplus = DO_READDIRPLUS | READDIRPLUS_AUTO;
        assertEquals(readdirplus, flags(start(LINUX_6_1_FLAGS2)) & readdirplus);
        assertEquals(0, flags(start(LINUX_6_1_FLAGS2, "--no-readdirplus")) & readdirplus);
        assertEquals(0, flags(start(LINUX_6_1_FLAGS2, "--cache=never")) & readdirplus, "never caches nothing");
    }

    @Test
    void asyncReadParallelDiropsAndMaxPagesAreNegotiated() throws Exception {
        Reply init = start(LINUX_6_1_FLAGS2);
        int want = ASYNC_READ | PARALLEL_DIROPS | MAX_PAGES;
        assertEquals(want, flags(init) & want);
        assertEquals(256, init.body().getShort(28) & 0xffff, "max_pages: 1 MiB in 4 KiB pages");
        assertEquals(1 << 20, init.body().getInt(20), "max_write");
        assertEquals(0x20000, init.body().getInt(8), "max_readahead echoed");
        Reply without = OpsSupport.init(fuse, 38, LINUX_6_1_FLAGS & ~(ASYNC_READ | PARALLEL_DIROPS | MAX_PAGES),
                LINUX_6_1_FLAGS2);
        assertEquals(0, flags(without) & want, "nothing the guest did not offer");
    }

    @Test
    void allowDirectIoKeepsODirectOnTheHostFd() throws Exception {
        start(LINUX_6_1_FLAGS2);
        assertEquals(0, hostFlagsOfOpen("f", O_RDWR | O_DIRECT) & O_DIRECT, "stripped by default");
        start(LINUX_6_1_FLAGS2, "--allow-direct-io");
        assertEquals(O_DIRECT, hostFlagsOfOpen("g", O_RDWR | O_DIRECT) & O_DIRECT);
    }

    @Test
    void preserveNoatimeKeepsONoatimeOnTheHostFd() throws Exception {
        start(LINUX_6_1_FLAGS2);
        assertEquals(0, hostFlagsOfOpen("f", O_NOATIME) & O_NOATIME, "stripped by default");
        start(LINUX_6_1_FLAGS2, "--preserve-noatime");
        assertEquals(O_NOATIME, hostFlagsOfOpen("g", O_NOATIME) & O_NOATIME);
    }

    /** One --cache mode: timeouts and FOPEN flags, as the Rust virtiofsd maps them. */
    record CacheMode(String name, long timeout, int fileFlags, int dirFlags) {
    }

    @Test
    void cacheModesSetTimeoutsAndOpenFlags() throws Exception {
        List<CacheMode> modes = List.of(
                new CacheMode("never", 0, FOPEN_DIRECT_IO, 0),
                new CacheMode("metadata", 86400, FOPEN_DIRECT_IO, FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE),
                new CacheMode("auto", 1, 0, 0),
                new CacheMode("always", 86400, FOPEN_KEEP_CACHE, FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR));
        List<String> seen = new ArrayList<>();
        for (CacheMode m : modes) {
            start(LINUX_6_1_FLAGS2, "--cache=" + m.name());
            Files.writeString(shared.resolve("f-" + m.name()), "x");
            Reply lookup = fuse.lookup(1, "f-" + m.name());
            long node = nodeId(lookup);
            ByteBuffer e = lookup.body();
            assertEquals(m.timeout(), e.getLong(16), m.name() + ": entry_valid");
            assertEquals(m.timeout(), e.getLong(24), m.name() + ": attr_valid");
            Reply attr = fuse.getattr(node);
            attr.ok();
            assertEquals(m.timeout(), attr.body().getLong(0), m.name() + ": GETATTR attr_valid");
            Reply open = fuse.open(node, O_RDWR);
            open.ok();
            assertEquals(m.fileFlags(), open.body().getInt(8), m.name() + ": OPEN open_flags");
            Reply create = fuse.create(1, "c-" + m.name(), S_IFREG | 0644, O_RDWR);
            create.ok();
            assertEquals(m.timeout(), create.body().getLong(16), m.name() + ": CREATE entry_valid");
            assertEquals(m.fileFlags(), create.body().getInt(128 + 8), m.name() + ": CREATE open_flags");
            Reply dir = fuse.opendir(1);
            dir.ok();
            assertEquals(m.dirFlags(), dir.body().getInt(8), m.name() + ": OPENDIR open_flags");
            seen.add(m.name());
        }
        assertEquals(4, seen.size());
        assertTrue(seen.contains("metadata"));
    }
}
