package dev.jvirtiofsd.daemon.fs;

/**
 * A SETLKW that could not be granted at once and is waited for: the file system ends it exactly
 * once, from whichever thread learns the outcome (the lock was granted, the guest closed the file
 * or the owner's locks, the session ended), and whoever made it may end it too (an INTERRUPT, a
 * stopping queue). Ending runs under this object's monitor, and so does every attempt to take the
 * lock: an attempt and an end never overlap.
 */
public abstract class LockWait {
    private boolean ended;

    /**
     * Ends the wait with {@code result} (0: the lock is held now; else a negative errno), unless
     * it ended already. Returns whether this call ended it.
     */
    public final synchronized boolean end(int result) {
        if (ended) {
            return false;
        }
        ended = true;
        onEnd(result);
        return true;
    }

    public final synchronized boolean isEnded() {
        return ended;
    }

    /** Delivers the outcome (e.g. answers the request). Runs once, under this object's monitor. */
    protected abstract void onEnd(int result);
}
