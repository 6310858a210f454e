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
 * The used-ring publish: {@link SplitQueue#push} of a completed chain and the EVENT_IDX
 * decision whether the driver wants an interrupt ({@link SplitQueue#needsNotification}), the
 * driver's used_event kept just behind so that every completion notifies, as with one request
 * in flight.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UsedRingPublishBenchmark {
    private BenchmarkRing ring;
    private int head;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        ring = new BenchmarkRing(true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.close();
    }

    @Benchmark
    public boolean pushAndDecide() {
        SplitQueue queue = ring.queue;
        ring.usedEvent(queue.nextUsed());
        queue.push(head, 16);
        head = (head + 1) & (BenchmarkRing.QUEUE_SIZE - 1);
        return queue.needsNotification();
    }
}
