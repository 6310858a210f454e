package dev.jvirtiofsd.vhostuser.testing;

import dev.jvirtiofsd.vhostuser.DescriptorChain;
import dev.jvirtiofsd.vhostuser.DescriptorChains;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DescriptorChain} over native buffers of its own, to test a {@link
 * dev.jvirtiofsd.vhostuser.VirtioDevice} without a queue or a frontend:
 *
 * <pre>{@code
 * try (TestChain request = TestChain.builder().readable(header).readable(body).writable(4096).build()) {
 *     int length = device.process(1, request.chain());
 *     byte[] reply = request.written(length);
 * }
 * }</pre>
 */
public final class TestChain implements AutoCloseable {
    private final DescriptorChain chain = new DescriptorChain();
    private final long memory;
    private final long[] addresses;
    private final int[] lengths;
    private final int readableCount;

    private TestChain(List<byte[]> readable, List<Integer> writable, int head) {
        long total = 0;
        for (byte[] r : readable) {
            total += r.length;
        }
        for (int w : writable) {
            total += w;
        }
        memory = NativeMemory.allocate(Math.max(1, total));
        readableCount = readable.size();
        addresses = new long[readable.size() + writable.size()];
        lengths = new int[addresses.length];
        long next = memory;
        for (int i = 0; i < readable.size(); i++) {
            byte[] bytes = readable.get(i);
            NativeMemory.copyFromBuffer(java.nio.ByteBuffer.wrap(bytes), next, bytes.length);
            addresses[i] = next;
            lengths[i] = bytes.length;
            next += bytes.length;
        }
        for (int i = 0; i < writable.size(); i++) {
            addresses[readableCount + i] = next;
            lengths[readableCount + i] = writable.get(i);
            next += writable.get(i);
        }
        DescriptorChains.fill(chain, head, addresses, lengths, readableCount);
    }

    public static Builder builder() {
        return new Builder();
    }

    public DescriptorChain chain() {
        return chain;
    }

    /** The first {@code length} bytes of the writable part (across its segments). */
    public byte[] written(int length) {
        byte[] out = new byte[length];
        int done = 0;
        for (int i = readableCount; i < addresses.length && done < length; i++) {
            int n = Math.min(lengths[i], length - done);
            NativeMemory.copyToBuffer(addresses[i], java.nio.ByteBuffer.wrap(out, done, n), n);
            done += n;
        }
        return out;
    }

    @Override
    public void close() {
        NativeMemory.free(memory);
    }

    /** Collects the segments of a {@link TestChain}: readable ones first, then writable ones. */
    public static final class Builder {
        private final List<byte[]> readable = new ArrayList<>();
        private final List<Integer> writable = new ArrayList<>();
        private int head;

        /** A device-readable segment holding {@code bytes}. */
        public Builder readable(byte[] bytes) {
            if (!writable.isEmpty()) {
                throw new IllegalStateException("readable segments come before writable ones");
            }
            readable.add(bytes.clone());
            return this;
        }

        /** A device-writable segment of {@code length} zero bytes. */
        public Builder writable(int length) {
            writable.add(length);
            return this;
        }

        public Builder head(int index) {
            head = index;
            return this;
        }

        public TestChain build() {
            return new TestChain(readable, writable, head);
        }
    }
}
