package dev.jvirtiofsd.vhostuser.testing;

import dev.jvirtiofsd.vhostuser.VhostUserBackend;
import dev.jvirtiofsd.vhostuser.VhostUserListener;
import dev.jvirtiofsd.vhostuser.VirtioDevice;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import dev.jvirtiofsd.vhostuser.sys.UnixSockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a {@link VhostUserBackend} for one connection on a socket in a fresh temporary directory,
 * on its own thread, so a test can connect a {@link VhostUserFrontend} to it.
 */
public final class BackendRunner implements AutoCloseable {
    private final Path directory;
    private final Path socket;
    private final VhostUserListener listener;
    private final Thread thread;
    private final CountDownLatch served = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile int connectedFd = -1;

    private BackendRunner(VirtioDevice device, int threadPoolSize) throws IOException {
        directory = Files.createTempDirectory("vhost-user-test");
        socket = directory.resolve("backend.sock");
        listener = VhostUserListener.bind(socket);
        VhostUserBackend backend = new VhostUserBackend(device, threadPoolSize, TestThreads.named("vhost-worker"));
        thread = new Thread(() -> {
            try {
                int fd = listener.accept();
                connectedFd = fd;
                backend.serve(fd);
            } catch (Throwable t) {
                failure = t;
            } finally {
                served.countDown();
            }
        }, "vhost-backend");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts a backend for {@code device} ({@code threadPoolSize} 0: inline processing). */
    public static BackendRunner start(VirtioDevice device, int threadPoolSize) throws IOException {
        return new BackendRunner(device, threadPoolSize);
    }

    /** Connects a frontend to this backend. */
    public VhostUserFrontend connect(FrontendOptions options) throws IOException {
        return VhostUserFrontend.connect(socket, options);
    }

    public Path socketPath() {
        return socket;
    }

    /** Waits for serve() to return (or throw); true if it did within {@code timeout}. */
    public boolean awaitServed(Duration timeout) throws InterruptedException {
        return served.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** What serve() threw, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Stops the backend: closes the listener and, if a frontend is still connected, hangs up. */
    @Override
    public void close() throws IOException {
        listener.close();
        int fd = connectedFd;
        if (served.getCount() > 0 && fd >= 0) {
            UnixSockets.shutdown(fd);
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }
}
