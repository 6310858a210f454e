package dev.jvirtiofsd.vhostuser;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;

/**
 * Refuses virtual threads. The daemon switches credentials and umask per OS thread, so a request
 * must run on one platform thread from start to end; a virtual thread may move between carriers.
 */
final class PlatformThreads {
    /** {@code Thread.isVirtual()} on Java 21+, absent on Java 17 (where every thread is a platform thread). */
    private static final Method IS_VIRTUAL = findIsVirtual();

    private PlatformThreads() {
    }

    /** A factory that passes {@code factory}'s threads on, failing on a null or virtual one. */
    static ThreadFactory checking(ThreadFactory factory) {
        return runnable -> require(factory.newThread(runnable));
    }

    static Thread require(Thread thread) {
        if (thread == null) {
            throw new IllegalStateException("the thread factory did not create a thread");
        }
        if (isVirtual(thread)) {
            throw new IllegalStateException("the thread factory created a virtual thread; platform threads are required");
        }
        return thread;
    }

    private static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (Boolean) IS_VIRTUAL.invoke(thread);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private static Method findIsVirtual() {
        try {
            return Thread.class.getMethod("isVirtual");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
