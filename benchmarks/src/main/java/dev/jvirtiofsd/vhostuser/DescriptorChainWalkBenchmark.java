package dev.jvirtiofsd.vhostuser;

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
 * The descriptor-chain walk: {@link SplitQueue#pop} of a chain the benchmark makes available
 * again before every pop, over a ring in mmap'ed guest memory. {@code direct}: a FUSE-shaped
 * chain of three ring descriptors (in-header and arguments, out-header, reply data);
 * {@code indirect}: the same three buffers in an indirect table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DescriptorChainWalkBenchmark {
    private static final int DIRECT_HEAD = 0;
    private static final int INDIRECT_HEAD = 3;

    private BenchmarkRing ring;
    private final DescriptorChain chain = new DescriptorChain();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ring = new BenchmarkRing(true);
        ring.descriptor(0, BenchmarkRing.gpa(0), 80, false, 1);
        ring.descriptor(1, BenchmarkRing.gpa(1), 16, true, 2);
        ring.descriptor(2, BenchmarkRing.gpa(2), 4096, true, -1);
        long table = BenchmarkRing.gpa(3);
        ring.indirectEntry(table, 0, BenchmarkRing.gpa(4), 80, false, 1);
        ring.indirectEntry(table, 1, BenchmarkRing.gpa(5), 16, true, 2);
        ring.indirectEntry(table, 2, BenchmarkRing.gpa(6), 4096, true, -1);
        ring.indirectDescriptor(INDIRECT_HEAD, table, 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.close();
    }

    @Benchmark
    public long direct() {
        return publishAndPop(DIRECT_HEAD);
    }

    @Benchmark
    public long indirect() {
        return publishAndPop(INDIRECT_HEAD);
    }

    private long publishAndPop(int head) {
        ring.publish(head);
        if (ring.queue.pop(chain) != SplitQueue.CHAIN) {
            throw new IllegalStateException(ring.queue.problem());
        }
        return chain.writableBytes();
    }
}
