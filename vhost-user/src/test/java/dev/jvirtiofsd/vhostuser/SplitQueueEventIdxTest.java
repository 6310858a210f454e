package dev.jvirtiofsd.vhostuser;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The vring_need_event arithmetic, including 16-bit wrap-around. */
class SplitQueueEventIdxTest {

    @Test
    void notifiesWhenTheEventIndexWasPassed() {
        // Batch moved the used index from 10 to 13: entries 10, 11, 12 were published.
        assertTrue(SplitQueue.needsEvent(10, 13, 10));
        assertTrue(SplitQueue.needsEvent(12, 13, 10));
        assertFalse(SplitQueue.needsEvent(13, 13, 10), "waits for entry 13, not yet there");
        assertFalse(SplitQueue.needsEvent(9, 13, 10), "entry 9 was signalled before");
        assertFalse(SplitQueue.needsEvent(100, 13, 10));
        assertFalse(SplitQueue.needsEvent(10, 10, 10), "nothing new");
    }

    @Test
    void worksAcrossTheWrap() {
        // Used index moved from 65534 to 2 (entries 65534, 65535, 0, 1).
        assertTrue(SplitQueue.needsEvent(65534, 2, 65534));
        assertTrue(SplitQueue.needsEvent(65535, 2, 65534));
        assertTrue(SplitQueue.needsEvent(0, 2, 65534));
        assertTrue(SplitQueue.needsEvent(1, 2, 65534));
        assertFalse(SplitQueue.needsEvent(2, 2, 65534));
        assertFalse(SplitQueue.needsEvent(65533, 2, 65534));
        assertTrue(SplitQueue.needsEvent(65535, 0, 65535));
        assertFalse(SplitQueue.needsEvent(0, 0, 65535));
    }
}
