package dev.jvirtiofsd.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The vhost-user-fs backend a guest test runs against, as a command template, so the same tests
 * can run against our daemon, QEMU's C virtiofsd or the Rust virtiofsd.
 *
 * <p>Chosen by the system property {@code jvirtiofsd.guest.daemon} or else the environment
 * variable {@code JVIRTIOFSD_GUEST_DAEMON}: a preset name ({@code jvirtiofsd}, the default;
 * {@code qemu-c}; {@code rust}, Debian trixie's Rust virtiofsd fetched by
 * scripts/fetch-rust-virtiofsd.sh) or a template whose words are split on blanks, with the
 * placeholders {@code {socket}}, {@code {shared}} and {@code {repo}}. Example:
 * {@code JVIRTIOFSD_GUEST_DAEMON='/usr/libexec/virtiofsd --socket-path={socket} --shared-dir={shared} --xattr'}.
 */
record DaemonCommand(String name, String template, List<String> arguments) {
    static final String PROPERTY = "jvirtiofsd.guest.daemon";
    static final String ENVIRONMENT = "JVIRTIOFSD_GUEST_DAEMON";

    /**
     * Debian trixie's Rust virtiofsd 1.13 run with trixie's glibc, as fetched into the repository's
     * cache by scripts/fetch-rust-virtiofsd.sh (see {@link #prepare(Path)}). Its default sandbox needs
     * namespaces the test host may not give; the tests run it as root without one.
     */
    static final String RUST_WRAPPER = "{repo}/.cache/rust-virtiofsd/run-virtiofsd";

    /** Every preset serves the share with xattrs (the tests need user.* attributes). */
    static final Map<String, String> PRESETS = Map.of(
            "jvirtiofsd", "{repo}/bin/jvirtiofsd --socket-path={socket} --shared-dir={shared} --cache=auto --xattr",
            "qemu-c", "/usr/lib/qemu/virtiofsd --socket-path={socket} -o source={shared} -o cache=auto -o xattr",
            "rust", RUST_WRAPPER + " --socket-path={socket} --shared-dir={shared} --cache=auto --xattr"
                    + " --sandbox=none");

    /**
     * What each preset adds for the conformance suite: locks served on the host, POSIX ACLs, and
     * CAP_SYS_ADMIN kept so guest root may use trusted.* attributes. The Rust virtiofsd refuses
     * -o posix_lock/flock (its locks stay in the guest).
     */
    private static final Map<String, String> CONFORMANCE_OPTIONS = Map.of(
            "jvirtiofsd", "--posix-lock --flock --posix-acl --modcaps=+sys_admin",
            "qemu-c", "-o posix_lock -o flock -o posix_acl -o modcaps=+sys_admin",
            "rust", "--posix-acl --modcaps=+sys_admin");

    DaemonCommand {
        arguments = List.copyOf(arguments);
    }

    DaemonCommand(String name, String template) {
        this(name, template, List.of());
    }

    static DaemonCommand configured() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(ENVIRONMENT);
        }
        return parse(value);
    }

    static DaemonCommand parse(String value) {
        if (value == null || value.isBlank()) {
            value = "jvirtiofsd";
        }
        value = value.strip();
        String preset = PRESETS.get(value);
        if (preset != null) {
            return new DaemonCommand(value, preset);
        }
        if (!value.contains("{socket}")) {
            throw new IllegalArgumentException(PROPERTY + "/" + ENVIRONMENT + " is neither a preset "
                    + PRESETS.keySet() + " nor a template with {socket}: " + value);
        }
        return new DaemonCommand("custom", value);
    }

    /** This command with the preset's options for the conformance suite; a template stays as it is. */
    DaemonCommand withConformanceOptions() {
        String extra = CONFORMANCE_OPTIONS.get(name);
        return extra == null ? this : new DaemonCommand(name, template + " " + extra, arguments);
    }

    /**
     * This command with {@code words} added after the template's, each one argument as it is:
     * unlike the template's words they are not split on blanks (an --xattrmap may hold newlines).
     */
    DaemonCommand withArguments(String... words) {
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of(words));
        return new DaemonCommand(name, template, all);
    }

    /**
     * This command with {@code options} added at its end (for ours and the Rust virtiofsd, whose
     * last option wins, they override the preset's).
     */
    DaemonCommand withOptions(String options) {
        return new DaemonCommand(name, template + " " + options);
    }

    /** Fetches what the command needs first: the Rust virtiofsd for the rust preset (cached). */
    void prepare(Path log) throws IOException, InterruptedException {
        if (!template.contains(RUST_WRAPPER)) {
            return;
        }
        Process fetch = new ProcessBuilder(List.of(GuestFiles.script("fetch-rust-virtiofsd.sh").toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!ProcessTrees.waitFor(fetch, Duration.ofMinutes(5)) || fetch.exitValue() != 0) {
            ProcessTrees.stop(fetch);
            throw new IllegalStateException("fetch-rust-virtiofsd.sh failed; see " + log);
        }
    }

    /** Is this our own daemon (whose launcher reads JVIRTIOFSD_LIB)? */
    boolean isOurs() {
        return template.contains("bin/jvirtiofsd");
    }

    List<String> argv(Path socket, Path shared, Path repository) {
        List<String> words = new ArrayList<>();
        for (String word : template.strip().split("\\s+")) {
            words.add(word.replace("{socket}", socket.toString())
                    .replace("{shared}", shared.toString())
                    .replace("{repo}", repository.toString()));
        }
        words.addAll(arguments);
        return words;
    }
}
