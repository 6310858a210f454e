package dev.jvirtiofsd.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * libvirtd and virtlogd run by scripts/private-libvirt.sh, in mount and pid namespaces of their
 * own: the host's libvirt configuration, state and logs are untouched, and nothing is left when
 * the namespace ends. Its files are reached from here through /proc/PID/root (PID: the script,
 * PID 1 of the namespace); what libvirt wrote stays in the state directory's overlay uppers.
 */
final class PrivateLibvirt implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration VIRSH_TIMEOUT = Duration.ofMinutes(3);

    private final Process unshare;
    private final ProcessHandle init;
    private final Path state;
    private final Path output;

    private PrivateLibvirt(Process unshare, ProcessHandle init, Path state, Path output) {
        this.unshare = unshare;
        this.init = init;
        this.state = state;
        this.output = output;
    }

    /** Starts libvirt with its state under {@code state}; {@code packageRoot} (an extracted .deb) shows as installed. */
    static PrivateLibvirt start(Path state, Path packageRoot) throws IOException, InterruptedException {
        Files.createDirectories(state);
        Path output = state.resolve("private-libvirt.log");
        Process unshare = new ProcessBuilder(GuestFiles.script("private-libvirt.sh").toString(), state.toString(),
                packageRoot.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!Files.readString(output).contains("READY")) {
            if (!unshare.isAlive() || System.nanoTime() > deadline) {
                ProcessTrees.stop(unshare);
                throw new IllegalStateException("the private libvirt did not start:\n" + Files.readString(output)
                        + "\nlibvirtd.log:\n" + tail(state.resolve("var/upper/log/libvirt/libvirtd.log"), 60));
            }
            Thread.sleep(100);
        }
        // unshare --fork: its one child is the script, PID 1 of the namespaces.
        ProcessHandle init = unshare.toHandle().children().findFirst()
                .orElseThrow(() -> new IllegalStateException("unshare has no child"));
        return new PrivateLibvirt(unshare, init, state, output);
    }

    /** {@code absolute}, a path as processes of the namespace see it. */
    Path inside(String absolute) {
        return Path.of("/proc/" + init.pid() + "/root" + absolute);
    }

    /** What libvirt wrote under /var (its logs, domain state), readable after the namespace ended too. */
    Path varUpper(String pathUnderVar) {
        return state.resolve("var/upper").resolve(pathUnderVar);
    }

    Path libvirtdLog() {
        return varUpper("log/libvirt/libvirtd.log");
    }

    /** Runs virsh against this libvirtd; returns stdout and stderr together. */
    PackageTest.Output virsh(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c",
                "qemu:///system?socket=" + inside("/run/libvirt/libvirt-sock")));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("jvfs-virsh-", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(VIRSH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("virsh " + String.join(" ", args) + " hung");
            }
            return new PackageTest.Output(p.exitValue(), Files.readString(out), "");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Like {@link #virsh}, failing with virsh's output on a non-zero exit. */
    String virshOk(String... args) throws IOException, InterruptedException {
        PackageTest.Output o = virsh(args);
        if (o.status() != 0) {
            throw new IllegalStateException("virsh " + String.join(" ", args) + " failed (" + o.status() + "): "
                    + o.stdout() + "\nlibvirtd.log (end):\n" + tail(libvirtdLog(), 40));
        }
        return o.stdout();
    }

    /** The processes of the pid namespace, but its PID 1 (the script), libvirtd and virtlogd. */
    List<ProcessHandle> otherProcesses() {
        return processes()
                .filter(h -> !h.info().command().orElse("").matches(".*/(libvirtd|virtlogd)"))
                .collect(Collectors.toList());
    }

    /** The host's pid of the process that is {@code namespacePid} in the namespace, if it lives. */
    Optional<ProcessHandle> hostProcess(long namespacePid) {
        return processes().filter(h -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + h.pid() + "/status"))) {
                    if (line.startsWith("NSpid:")) {
                        String[] ids = line.substring(6).trim().split("\\s+");
                        return ids.length >= 2 && Long.parseLong(ids[1]) == namespacePid;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return false; // gone meanwhile
            }
            return false;
        }).findFirst();
    }

    /**
     * Every process of the namespace, and of namespaces below it: all descend from its PID 1,
     * which orphans are handed to.
     */
    private Stream<ProcessHandle> processes() {
        return init.descendants();
    }

    /** The last {@code lines} lines of a log, or why there are none. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + log + ": " + e + ")";
        }
    }

    /** Destroys the domains, stops libvirtd and virtlogd; the kernel ends whatever is left with the namespace. */
    @Override
    public void close() throws IOException, InterruptedException {
        init.destroy(); // SIGTERM: the script's own stop
        if (!unshare.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            unshare.destroyForcibly(); // --kill-child: SIGKILL to the namespace's PID 1, and so to all in it
            unshare.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new IllegalStateException("the private libvirt did not stop by itself:\n" + Files.readString(output));
        }
        if (unshare.exitValue() != 0) {
            throw new IllegalStateException("the private libvirt ended with " + unshare.exitValue() + ":\n"
                    + Files.readString(output));
        }
    }
}
