package dev.jvirtiofsd.benchmarks.jmh;

import dev.jvirtiofsd.daemon.fs.Attr;
import dev.jvirtiofsd.daemon.fs.Entry;
import dev.jvirtiofsd.daemon.fs.FileSystem;
import dev.jvirtiofsd.daemon.fs.PassthroughConfig;
import dev.jvirtiofsd.daemon.fs.PassthroughFs;
import dev.jvirtiofsd.daemon.fs.RequestContext;
import dev.jvirtiofsd.daemon.fuse.FuseServer;
import dev.jvirtiofsd.daemon.fuse.FuseServerConfig;
import dev.jvirtiofsd.protocol.AttrOut;
import dev.jvirtiofsd.protocol.EntryOut;
import dev.jvirtiofsd.protocol.GetattrIn;
import dev.jvirtiofsd.protocol.InitIn;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.protocol.ReadIn;
import dev.jvirtiofsd.protocol.WriteIn;
import dev.jvirtiofsd.protocol.WriteOut;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * FUSE decode, dispatch and encode as the daemon runs them: {@link FuseServer#handle} of a
 * request in a descriptor chain over native memory, after an INIT opened the session. The
 * {@code null*} benchmarks serve LOOKUP, GETATTR, READ (4 KiB) and WRITE (4 KiB) with a file system
 * that answers at once without touching anything, so they measure the server alone: gathering
 * the in-header and arguments, framing checks, the call, encoding entry_out / attr_out / the
 * READ out-header / write_out, copying the reply into the chain. The {@code passthrough*} ones
 * serve GETATTR and LOOKUP of a file with the real {@link PassthroughFs} over a temporary
 * directory (inode table, statx, openat).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FuseRequestBenchmark {
    private static final int DATA_BYTES = 4096;

    /** A file system that answers every request at once, with fixed attributes. */
    static final class NullFileSystem implements FileSystem {
        @Override
        public int init(long negotiatedFlags) {
            return 0;
        }

        @Override
        public int lookup(RequestContext ctx, long parent, byte[] name, Entry out) {
            out.nodeId = 2;
            fill(out.attr, 2);
            return 0;
        }

        @Override
        public int getattr(RequestContext ctx, long nodeId, long fh, Attr out) {
            fill(out, nodeId);
            return 0;
        }

        @Override
        public long read(RequestContext ctx, long nodeId, long fh, long offset, int size, long iovAddress, int iovCount) {
            return size;
        }

        @Override
        public long write(RequestContext ctx, long nodeId, long fh, long offset, int size, int writeFlags, int fileFlags,
                long iovAddress, int iovCount) {
            return size;
        }

        private static void fill(Attr a, long ino) {
            a.ino = ino;
            a.mode = 0100644;
            a.nlink = 1;
            a.size = DATA_BYTES;
            a.blksize = 4096;
        }
    }

    /** A server with an open session and one prepared request per benchmarked opcode. */
    abstract static class Server {
        FuseServer server;
        FuseRequest lookup;
        FuseRequest getattr;

        void open(FileSystem fs) {
            server = new FuseServer(fs, FuseServerConfig.defaults());
            try (FuseRequest init = new FuseRequest(Opcode.INIT, 0, InitIn.BYTES, b -> {
                InitIn in = new InitIn();
                in.major = 7;
                in.minor = 38;
                in.maxReadahead = 0x20000;
                in.flags = 0x7bfffffb; // what a Linux 6.1 guest offers
                in.encode(b, 0);
            }, 0, 256)) {
                server.handle(1, init.chain);
                if (!server.sessionOpen()) {
                    throw new IllegalStateException("INIT failed: " + init.replyError());
                }
            }
            byte[] name = "file\0".getBytes(StandardCharsets.UTF_8);
            lookup = new FuseRequest(Opcode.LOOKUP, 1, name.length, b -> b.put(name), 0, EntryOut.BYTES);
            getattr = new FuseRequest(Opcode.GETATTR, 1, GetattrIn.BYTES, b -> new GetattrIn().encode(b, 0), 0,
                    AttrOut.BYTES);
        }

        void close() {
            lookup.close();
            getattr.close();
            server.reset();
        }

        /** Serves {@code r}; a failure would make the benchmark measure the error path instead. */
        int serve(FuseRequest r) {
            int used = server.handle(1, r.chain);
            if (r.replyError() != 0) {
                throw new IllegalStateException("request failed: " + r.replyError());
            }
            return used;
        }
    }

    @State(Scope.Thread)
    public static class NullServer extends Server {
        FuseRequest read;
        FuseRequest write;

        @Setup(Level.Trial)
        public void setUp() {
            open(new NullFileSystem());
            read = new FuseRequest(Opcode.READ, 2, ReadIn.BYTES, b -> {
                ReadIn in = new ReadIn();
                in.fh = 1;
                in.size = DATA_BYTES;
                in.encode(b, 0);
            }, 0, DATA_BYTES);
            write = new FuseRequest(Opcode.WRITE, 2, WriteIn.BYTES, b -> {
                WriteIn in = new WriteIn();
                in.fh = 1;
                in.size = DATA_BYTES;
                in.encode(b, 0);
            }, DATA_BYTES, WriteOut.BYTES);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            read.close();
            write.close();
            close();
        }
    }

    @State(Scope.Thread)
    public static class PassthroughServer extends Server {
        private Path dir;
        private PassthroughFs fs;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            dir = Files.createTempDirectory("jvirtiofsd-bench");
            Files.write(dir.resolve("file"), new byte[DATA_BYTES]);
            fs = new PassthroughFs(PassthroughConfig.builder(dir).build());
            open(fs);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            close();
            fs.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    @Benchmark
    public int nullLookup(NullServer s) {
        return s.serve(s.lookup);
    }

    @Benchmark
    public int nullGetattr(NullServer s) {
        return s.serve(s.getattr);
    }

    @Benchmark
    public int nullRead(NullServer s) {
        return s.serve(s.read);
    }

    @Benchmark
    public int nullWrite(NullServer s) {
        return s.serve(s.write);
    }

    @Benchmark
    public int passthroughGetattr(PassthroughServer s) {
        return s.serve(s.getattr);
    }

    @Benchmark
    public int passthroughLookup(PassthroughServer s) {
        return s.serve(s.lookup);
    }
}
