package dev.jvirtiofsd.daemon.fs;

import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
 * The inode table ({@link InodeStore}) holding {@value #NODES} fd inodes. {@code acquireById}:
 * what every request on a node does first (find by node id, pin, unpin). {@code lookupKnownKey}:
 * a LOOKUP of a file that already has a node, found by (st_dev, st_ino, mnt_id); the O_PATH fd
 * the lookup opened is closed by the store, so each operation includes a dup(2) and a close(2),
 * as the real lookup has an openat(2) and a close(2).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InodeStoreBenchmark {
    private static final int NODES = 256;

    private final InodeStore store = new InodeStore();
    private final Stat[] stats = new Stat[NODES];
    private final long[] ids = new long[NODES];
    private int dirFd;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        dirFd = Syscalls.openat(Fcntl.AT_FDCWD, "/tmp".getBytes(StandardCharsets.UTF_8), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
        if (dirFd < 0) {
            throw new IllegalStateException("open /tmp: " + dirFd);
        }
        Stat rootStat = new Stat();
        Syscalls.fstat(dirFd, rootStat);
        store.installRoot(Syscalls.dup(dirFd), rootStat);
        for (int i = 0; i < NODES; i++) {
            Stat st = new Stat();
            st.devMajor = rootStat.devMajor;
            st.devMinor = rootStat.devMinor;
            st.mntId = rootStat.mntId;
            st.ino = 1_000_000 + i;
            st.mode = 0100644;
            stats[i] = st;
            ids[i] = store.addLookup(Syscalls.dup(dirFd), st).id;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.clear();
        Syscalls.close(dirFd);
    }

    private int nextIndex() {
        int i = next;
        next = (i + 1) & (NODES - 1);
        return i;
    }

    @Benchmark
    public int acquireById() {
        Inode inode = store.acquire(ids[nextIndex()]);
        int fd = inode.fd();
        inode.unpin();
        return fd;
    }

    @Benchmark
    public long lookupKnownKey() {
        int i = nextIndex();
        Inode inode = store.addLookup(Syscalls.dup(dirFd), stats[i]);
        store.forget(inode.id, 1);
        return inode.id;
    }
}
