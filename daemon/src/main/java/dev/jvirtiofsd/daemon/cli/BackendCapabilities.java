package dev.jvirtiofsd.daemon.cli;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code --print-capabilities} reports: the JSON object of QEMU's vhost-user backend program
 * conventions ({@code docs/interop/vhost-user.json}), which libvirt 10.x and later read before it
 * starts the daemon. libvirt knows two features: {@code separate-options}, which makes it pass
 * {@code --shared-dir DIR --cache MODE ...} instead of {@code -o source=DIR,...}, and
 * {@code migrate-precopy}, which makes it allow live migration and save/restore of the guest.
 * Only the first is offered: this daemon cannot hand its state to another one yet, and libvirt
 * would otherwise start migrations that QEMU then fails.
 */
public final class BackendCapabilities {
    /** The option that prints the capabilities; it wins over everything else on the command line. */
    public static final String OPTION = "--print-capabilities";

    static final List<String> FEATURES = List.of("separate-options");

    private BackendCapabilities() {
    }

    /** The capability object, in the layout the Rust virtiofsd prints it. */
    public static String json() {
        return FEATURES.stream().map(f -> "\"" + f + "\"")
                .collect(Collectors.joining(", ", "{\"type\": \"fs\", \"features\": [", "]}"));
    }
}
