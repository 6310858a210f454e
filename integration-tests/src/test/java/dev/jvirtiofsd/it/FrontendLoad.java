package dev.jvirtiofsd.it;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.protocol.Opcode;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A frontend in a process of its own, so a test can SIGKILL it the way QEMU dies: connects to
 * the socket in {@code args[0]}, then writes, fsyncs and reads 1 MiB blocks in a loop, printing
 * "loaded" once requests are flowing. Never returns by itself.
 */
public final class FrontendLoad {
    private static final int S_IFREG = 0100000;
    private static final int O_RDWR = 2;
    private static final int BLOCK = 1 << 20;

    private FrontendLoad() {
    }

    public static void main(String[] args) throws Exception {
        VhostUserFrontend frontend = VhostUserFrontend.connect(Path.of(args[0]), FrontendOptions.defaults().withQueues(2));
        FuseTestClient fuse = new FuseTestClient(frontend);
        fuse.init().ok();
        FuseTestClient.Reply created = fuse.create(1, "load", S_IFREG | 0644, O_RDWR);
        created.ok();
        long node = FuseTestClient.nodeId(created);
        long fh = FuseTestClient.fh(created, 128);
        byte[] block = new byte[BLOCK];
        for (long round = 0; ; round++) {
            Arrays.fill(block, (byte) round);
            fuse.write(node, fh, (round % 8) * BLOCK, block).ok();
            fuse.fsync(Opcode.FSYNC, node, fh, 0).ok();
            fuse.read(node, fh, 0, BLOCK).ok();
            if (round == 2) {
                System.out.println("loaded");
                System.out.flush();
            }
        }
    }
}
