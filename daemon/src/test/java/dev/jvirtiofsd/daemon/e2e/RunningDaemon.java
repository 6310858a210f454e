package dev.jvirtiofsd.daemon.e2e;

import dev.jvirtiofsd.daemon.Daemon;
import dev.jvirtiofsd.daemon.cli.CommandLineParser;
import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real daemon, started through its command line in this JVM, and a frontend connected to it. */
final class RunningDaemon implements AutoCloseable {
    final Path socket;
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    VhostUserFrontend frontend;

    private RunningDaemon(Path socket) {
        this.socket = socket;
    }

    static RunningDaemon start(Path shared, Path socket, FrontendOptions frontendOptions, String... extraArgs)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--shared-dir", shared.toString(),
                "--socket-path", socket.toString(), "--sandbox", "none",
                // In-process: a filter would bind the whole test JVM for the rest of its life.
                "--seccomp", "none"));
        args.addAll(List.of(extraArgs));
        StringWriter err = new StringWriter();
        CommandLineParser.Result parsed = CommandLineParser.parse(args.toArray(String[]::new),
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        if (parsed.shouldExit()) {
            throw new IllegalArgumentException(err.toString());
        }
        if (frontendOptions.queues() == 0) {
            // As QEMU by default: hiprio and one request queue, not all the daemon would serve.
            frontendOptions = frontendOptions.withQueues(2);
        }
        RunningDaemon d = new RunningDaemon(socket);
        Thread t = new Thread(() -> {
            try {
                d.exit.complete(new Daemon(parsed.options()).run());
            } catch (Throwable e) {
                d.exit.completeExceptionally(e);
            }
        }, "daemon-under-test");
        t.setDaemon(true);
        t.start();
        for (int i = 0; i < 500 && !Files.exists(socket); i++) {
            if (d.exit.isDone()) {
                throw new IllegalStateException("daemon exited at start-up with " + d.exit.join());
            }
            Thread.sleep(10);
        }
        // The socket file exists from bind(); until listen() a connect is refused: retry briefly.
        for (int attempt = 0; ; attempt++) {
            try {
                d.frontend = VhostUserFrontend.connect(socket, frontendOptions);
                return d;
            } catch (IOException e) {
                if (attempt >= 100 || d.exit.isDone()) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /** Disconnects the frontend and returns the daemon's exit status. */
    int disconnectAndWait() throws Exception {
        frontend.close();
        return exit.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (frontend != null) {
            frontend.close();
        }
        try {
            exit.get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the test has already reported what matters
        }
    }
}
