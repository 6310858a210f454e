package dev.jvirtiofsd.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** A vhost-user-fs backend process serving one shared directory on one socket. */
final class BackendDaemon implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path log;
    private final List<String> argv;

    private BackendDaemon(Process process, Path socket, Path log, List<String> argv) {
        this.process = process;
        this.socket = socket;
        this.log = log;
        this.argv = argv;
    }

    /** Starts the backend; its stdout and stderr go to {@code log}. */
    static BackendDaemon start(DaemonCommand command, Path socket, Path shared, Path log)
            throws IOException, InterruptedException {
        command.prepare(log.resolveSibling("prepare-backend.log"));
        List<String> argv = command.argv(socket, shared, GuestFiles.repository());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        String lib = System.getProperty("jvirtiofsd.daemon.lib");
        if (command.isOurs() && lib != null && Files.isDirectory(Path.of(lib))) {
            // The jars of this build, wherever its build directory is.
            builder.environment().put("JVIRTIOFSD_LIB", lib);
        }
        Files.writeString(log, "");
        return new BackendDaemon(builder.start(), socket, log, argv);
    }

    /** Waits until the backend listens on its socket; fails early if it exits first. */
    void awaitListening(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the backend exited with " + process.exitValue()
                        + " before listening on " + socket + "\n" + describe());
            }
            if (Files.exists(socket) && UnixSocketProbe.isListening(socket, ProcessTrees.tree(process.toHandle()))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the backend does not listen on " + socket + " after " + timeout
                        + "\n" + describe());
            }
            Thread.sleep(50);
        }
    }

    /** The exit status once the backend has exited by itself within {@code timeout}. */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return ProcessTrees.waitFor(process, timeout) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    /** The command line and the end of the log, for failure messages. */
    String describe() {
        return "backend: " + String.join(" ", argv) + "\nits log (" + log + "), last lines:\n" + logTail(40);
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            ProcessTrees.stop(process);
        }
    }
}
