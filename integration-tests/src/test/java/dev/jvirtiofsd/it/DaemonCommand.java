package dev.jvirtiofsd.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The vhost-user-fs backend a guest test runs against, as a command template, so the same tests
 * can run against our daemon, QEMU's C virtiofsd or the Rust virtiofsd.
 *
 * <p>Chosen by the system property {@code jvirtiofsd.guest.daemon} or else the environment
 * variable {@code JVIRTIOFSD_GUEST_DAEMON}: a preset name ({@code jvirtiofsd}, the default;
 * {@code qemu-c}; {@code rust}) or a template whose words are split on blanks, with the
 * placeholders {@code {socket}}, {@code {shared}} and {@code {repo}}. Example:
 * {@code JVIRTIOFSD_GUEST_DAEMON='/usr/libexec/virtiofsd --socket-path={socket} --shared-dir={shared} --xattr'}.
 */
record DaemonCommand(String name, String template) {
    static final String PROPERTY = "jvirtiofsd.guest.daemon";
    static final String ENVIRONMENT = "JVIRTIOFSD_GUEST_DAEMON";

    /** Every preset serves the share with xattrs (the tests need user.* attributes). */
    static final Map<String, String> PRESETS = Map.of(
            "jvirtiofsd", "{repo}/bin/jvirtiofsd --socket-path={socket} --shared-dir={shared} --cache=auto --xattr",
            "qemu-c", "/usr/lib/qemu/virtiofsd --socket-path={socket} -o source={shared} -o cache=auto -o xattr",
            "rust", "/usr/libexec/virtiofsd --socket-path={socket} --shared-dir={shared} --cache=auto --xattr");

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
        return words;
    }
}
