package dev.jvirtiofsd.benchmarks.jmh;

import dev.jvirtiofsd.protocol.InHeader;
import dev.jvirtiofsd.vhostuser.BenchmarkChains;
import dev.jvirtiofsd.vhostuser.DescriptorChain;
import dev.jvirtiofsd.vhostuser.sys.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * One FUSE request laid out in native memory as a Linux guest sends it, and the descriptor chain
 * naming it: readable segments (the in-header with the arguments, then any WRITE data), then
 * writable ones (the out-header, then room for the reply's payload). The server writes its reply
 * there, so the same request can be served again and again.
 */
final class FuseRequest implements AutoCloseable {
    private final long memory;
    final DescriptorChain chain = new DescriptorChain();

    /**
     * @param args encodes the arguments into the buffer it is given, at position 0
     * @param argsBytes the arguments' length
     * @param dataBytes WRITE data after the arguments (a segment of its own), or 0
     * @param replyPayloadBytes room for the reply after the out-header (a segment of its own), or 0
     */
    FuseRequest(int opcode, long nodeId, int argsBytes, Consumer<ByteBuffer> args, int dataBytes, int replyPayloadBytes) {
        int requestBytes = InHeader.BYTES + argsBytes;
        int total = requestBytes + dataBytes + 16 + replyPayloadBytes;
        memory = NativeMemory.allocate(total);
        ByteBuffer b = NativeMemory.view(memory, requestBytes);
        InHeader h = new InHeader();
        h.len = requestBytes + dataBytes;
        h.opcode = opcode;
        h.unique = 2;
        h.nodeid = nodeId;
        h.uid = 1000;
        h.gid = 1000;
        h.pid = 4242;
        h.encode(b, 0);
        args.accept(b.position(InHeader.BYTES).slice().order(ByteOrder.LITTLE_ENDIAN));
        long outHeader = memory + requestBytes + dataBytes;
        if (dataBytes > 0 && replyPayloadBytes > 0) {
            BenchmarkChains.fill(chain, new long[] {memory, memory + requestBytes, outHeader, outHeader + 16},
                    new int[] {requestBytes, dataBytes, 16, replyPayloadBytes}, 2);
        } else if (dataBytes > 0) {
            BenchmarkChains.fill(chain, new long[] {memory, memory + requestBytes, outHeader},
                    new int[] {requestBytes, dataBytes, 16}, 2);
        } else if (replyPayloadBytes > 0) {
            BenchmarkChains.fill(chain, new long[] {memory, outHeader, outHeader + 16},
                    new int[] {requestBytes, 16, replyPayloadBytes}, 1);
        } else {
            BenchmarkChains.fill(chain, new long[] {memory, outHeader}, new int[] {requestBytes, 16}, 1);
        }
    }

    /** The reply's error field (0 or a negative errno). */
    int replyError() {
        return NativeMemory.getInt(memory + chain.readableBytes() + 4);
    }

    @Override
    public void close() {
        NativeMemory.free(memory);
    }
}
