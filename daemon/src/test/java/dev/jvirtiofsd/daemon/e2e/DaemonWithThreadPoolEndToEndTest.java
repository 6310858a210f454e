package dev.jvirtiofsd.daemon.e2e;

import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;

/**
 * The same end-to-end suite with {@code --thread-pool-size=4}, a larger queue, no EVENT_IDX and
 * no indirect descriptors, and guest memory in two regions given by SET_MEM_TABLE.
 */
class DaemonWithThreadPoolEndToEndTest extends DaemonEndToEndTest {
    @Override
    String[] daemonArgs() {
        return new String[] {"--xattr", "--thread-pool-size=4", "--cache=always"};
    }

    @Override
    FrontendOptions frontendOptions() {
        return FrontendOptions.defaults().withQueueSize(1024).withEventIdx(false).withIndirect(false)
                .withMemTable(true).withSplitRegions(true);
    }
}
