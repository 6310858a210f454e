package dev.jvirtiofsd.vhostuser;

/**
 * Fills {@link DescriptorChain}s directly, without a queue, for tests of devices. It lives in
 * the chain's package (in the test jar) to reach its package-private filling methods.
 */
public final class DescriptorChains {
    private DescriptorChains() {
    }

    /**
     * Makes {@code chain} name the given segments (addresses in this process): the first
     * {@code readableCount} device-readable, the rest device-writable.
     */
    public static DescriptorChain fill(DescriptorChain chain, int head, long[] addresses, int[] lengths, int readableCount) {
        chain.reset(head);
        for (int i = 0; i < addresses.length; i++) {
            if (!chain.add(addresses[i], lengths[i], i >= readableCount)) {
                throw new IllegalArgumentException("more than " + DescriptorChain.MAX_SEGMENTS + " segments");
            }
        }
        return chain;
    }
}
