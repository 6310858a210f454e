package dev.jvirtiofsd.vhostuser.frontend;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A request sent with {@link VhostUserFrontend#post} whose reply may come later, after replies to
 * requests sent after it (a device may defer a chain). Driven by the thread that drives its queue.
 */
public final class PostedRequest {
    private final VhostUserFrontend frontend;
    private final int queue;
    private final int head;
    private final long replyAddress;
    private final int replyCapacity;
    private UsedElement used;

    PostedRequest(VhostUserFrontend frontend, int queue, int head, long replyAddress, int replyCapacity) {
        this.frontend = frontend;
        this.queue = queue;
        this.head = head;
        this.replyAddress = replyAddress;
        this.replyCapacity = replyCapacity;
    }

    /** Head index of the request's chain. */
    public int head() {
        return head;
    }

    /** Whether the device has returned the chain; collects what the used ring holds now. */
    public boolean isDone() {
        if (used == null) {
            frontend.collectUsed(queue);
        }
        return used != null;
    }

    /** Waits for the reply, at most {@code timeout}, and returns the bytes the device wrote. */
    public byte[] await(Duration timeout) throws TimeoutException {
        if (used == null) {
            UsedElement element = frontend.awaitHead(queue, head, timeout);
            if (element == null) {
                throw new TimeoutException("no reply to the request at head " + head + " on queue " + queue
                        + " within " + timeout);
            }
            used = element;
        }
        int length = Math.min(used.length(), replyCapacity);
        byte[] reply = new byte[length];
        frontend.buffer(replyAddress, replyCapacity).get(reply);
        return reply;
    }

    void returned(UsedElement element) {
        used = element;
    }
}
