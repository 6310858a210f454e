package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.vhostuser.frontend.FrontendOptions;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * bin/jvirtiofsd (or a command that ends in it) run as a separate process, as a user or libvirt
 * runs it: started with this build's jars, its output in a log file, waited for, connected to.
 */
final class LaunchedDaemon {
    private LaunchedDaemon() {
    }

    /** A builder for {@code command}: this build's jars, {@code javaHome} unless empty, output to {@code log}. */
    static ProcessBuilder builder(List<String> command, String javaHome, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command);
        String lib = System.getProperty("jvirtiofsd.daemon.lib");
        if (lib != null) {
            pb.environment().put("JVIRTIOFSD_LIB", lib);
        }
        if (!javaHome.isEmpty()) {
            pb.environment().put("JAVA_HOME", javaHome);
        }
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb;
    }

    static Process start(List<String> command, String javaHome, Path log) throws IOException {
        return builder(command, javaHome, log).start();
    }

    static String log(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Waits for the socket file; fails early, with the log, if the daemon exits first. */
    static void awaitSocket(Path socket, Process p, Path log) throws InterruptedException {
        for (int i = 0; i < 1000 && !Files.exists(socket); i++) {
            if (!p.isAlive()) {
                throw new AssertionError("daemon exited early (" + p.exitValue() + "): " + log(log));
            }
            Thread.sleep(10);
        }
        assertTrue(Files.exists(socket), "socket appeared");
    }

    /**
     * Connects once the daemon listens: the socket file exists from bind(), and a connect is
     * refused until listen(). Fails early, with the log, if the daemon exits first.
     */
    static VhostUserFrontend connect(Path socket, Process p, Path log) throws Exception {
        for (int attempt = 0; ; attempt++) {
            if (!p.isAlive()) {
                throw new AssertionError("daemon exited early (" + p.exitValue() + "): " + log(log));
            }
            try {
                return VhostUserFrontend.connect(socket, FrontendOptions.defaults().withQueues(2));
            } catch (IOException e) {
                if (attempt >= 1000) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    /**
     * The daemon under the namespace sandbox: the launcher's child running java (the launcher
     * stays as the namespaces' supervisor; before that, it runs short-lived helpers).
     */
    static ProcessHandle daemonOf(Process launcher) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            Optional<ProcessHandle> child = launcher.toHandle().children()
                    .filter(c -> c.info().command().orElse("").endsWith("/java")).findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the launcher started no daemon process");
    }
}
