package dev.jvirtiofsd.vhostuser.testing;

import dev.jvirtiofsd.vhostuser.DescriptorChain;
import dev.jvirtiofsd.vhostuser.VirtioDevice;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test device: copies each request's readable bytes, reversed, into its writable part and
 * reports how many it wrote. It can hold requests at a gate (to test what happens while a request
 * is in flight), and it counts requests, resets and the threads it ran on.
 */
public class EchoDevice implements VirtioDevice {
    private final int queueCount;
    private final AtomicInteger processed = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final Set<String> threadNames = ConcurrentHashMap.newKeySet();
    private final Semaphore entered = new Semaphore(0);
    private volatile CountDownLatch gate;

    public EchoDevice(int queueCount) {
        this.queueCount = queueCount;
    }

    @Override
    public int queueCount() {
        return queueCount;
    }

    @Override
    public int process(int queueIndex, DescriptorChain chain) {
        threadNames.add(Thread.currentThread().getName());
        entered.release();
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int length = (int) Math.min(chain.readableBytes(), chain.writableBytes());
        ByteBuffer request = ByteBuffer.allocate((int) chain.readableBytes());
        chain.read(0, request);
        byte[] reversed = new byte[length];
        for (int i = 0; i < length; i++) {
            reversed[i] = request.get(request.capacity() - 1 - i);
        }
        int written = chain.write(0, ByteBuffer.wrap(reversed));
        processed.incrementAndGet();
        return written;
    }

    @Override
    public void reset() {
        resets.incrementAndGet();
    }

    /** From now on, requests wait in {@link #process} until {@link #openGate()}. */
    public void closeGate() {
        gate = new CountDownLatch(1);
    }

    public void openGate() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until {@code count} more requests entered {@link #process}. */
    public boolean awaitEntered(int count, long timeout, TimeUnit unit) throws InterruptedException {
        return entered.tryAcquire(count, timeout, unit);
    }

    public int processed() {
        return processed.get();
    }

    public int resets() {
        return resets.get();
    }

    public Set<String> threadNames() {
        return Set.copyOf(threadNames);
    }

    /** The reply this device gives to {@code request} with room for {@code capacity} bytes. */
    public static byte[] expectedReply(byte[] request, int capacity) {
        int length = Math.min(request.length, capacity);
        byte[] reply = new byte[length];
        for (int i = 0; i < length; i++) {
            reply[i] = request[request.length - 1 - i];
        }
        return reply;
    }
}
