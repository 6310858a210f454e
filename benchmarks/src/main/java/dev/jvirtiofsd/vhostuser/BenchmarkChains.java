package dev.jvirtiofsd.vhostuser;

/**
 * Fills a {@link DescriptorChain} with given segments, without a queue, for benchmarks of the
 * device side (the FUSE server). It lives in the chain's package to reach its filling methods,
 * as the tests' DescriptorChains does.
 */
public final class BenchmarkChains {
    private BenchmarkChains() {
    }

    /**
     * Makes {@code chain} name the given segments (addresses in this process): the first
     * {@code readableCount} device-readable, the rest device-writable.
     */
    public static DescriptorChain fill(DescriptorChain chain, long[] addresses, int[] lengths, int readableCount) {
        chain.reset(0);
        for (int i = 0; i < addresses.length; i++) {
            if (!chain.add(addresses[i], lengths[i], i >= readableCount)) {
                throw new IllegalArgumentException("more than " + DescriptorChain.MAX_SEGMENTS + " segments");
            }
        }
        return chain;
    }
}
