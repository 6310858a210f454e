package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.XattrMap;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The legacy {@code -o opt[,opt...]} syntax of QEMU's C virtiofsd, which libvirt before 10.x
 * passes (e.g. {@code -o source=/srv,cache=always,sandbox=chroot,xattr,flock,posix_lock}).
 * Applied after the separate options, so {@code -o} wins whatever the order, as in the Rust
 * virtiofsd. An element ends at the next lone comma: libvirt writes a comma in the shared
 * directory's path as {@code ,,}. The path of {@code source=} may also hold {@code =}; other values
 * may not, as in the Rust virtiofsd.
 */
final class CompatOptions {
    private CompatOptions() {
    }

    /**
     * The directory of the last {@code source=} element of the {@code -o} arguments, or null: the
     * shared directory they name (read as {@link #apply} reads it).
     */
    static Path source(List<String> arguments) {
        Path source = null;
        for (String argument : arguments) {
            for (String element : elements(argument)) {
                int eq = element.indexOf('=');
                if (eq >= 0 && element.substring(0, eq).trim().equals("source")) {
                    source = Path.of(element.substring(eq + 1));
                }
            }
        }
        return source;
    }

    /** Applies every {@code -o} element to {@code o}; returns a one-line reason for a bad one. */
    static String apply(Options o) {
        for (String argument : o.compatOptions) {
            for (String element : elements(argument)) {
                int eq = element.indexOf('=');
                String problem = eq >= 0
                        ? applyKeyValue(o, element, element.substring(0, eq).trim(), element.substring(eq + 1))
                        : applyFlag(o, element.trim());
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    /**
     * The elements of one {@code -o} argument: split at each comma, a doubled comma standing for
     * one comma inside an element (read left to right, so {@code a,,,b} is {@code "a,"} and
     * {@code "b"}). Empty elements are dropped.
     */
    static List<String> elements(String argument) {
        List<String> elements = new ArrayList<>();
        StringBuilder element = new StringBuilder();
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c != ',') {
                element.append(c);
            } else if (i + 1 < argument.length() && argument.charAt(i + 1) == ',') {
                element.append(',');
                i++;
            } else {
                addElement(elements, element);
            }
        }
        addElement(elements, element);
        return elements;
    }

    private static void addElement(List<String> elements, StringBuilder element) {
        if (!element.toString().trim().isEmpty()) {
            elements.add(element.toString());
        }
        element.setLength(0);
    }

    private static String applyKeyValue(Options o, String e, String key, String value) {
        if (!key.equals("source")) {
            if (value.indexOf('=') >= 0) {
                return "Invalid compat argument '-o " + e + "'"; // only a path may hold '=', as in the Rust virtiofsd
            }
            value = value.trim();
        }
        switch (key) {
            case "source":
                if (value.isEmpty()) {
                    return invalidValue(e);
                }
                try {
                    o.sharedDir = Path.of(value);
                } catch (InvalidPathException x) {
                    return invalidValue(e);
                }
                return null;
            case "cache":
                switch (value) {
                    case "auto": o.cache = CachePolicy.AUTO; return null;
                    case "always": o.cache = CachePolicy.ALWAYS; return null;
                    case "none": o.cache = CachePolicy.NEVER; return null;
                    case "metadata": o.cache = CachePolicy.METADATA; return null;
                    default: return invalidValue(e);
                }
            case "loglevel":
            case "log_level":
                switch (value) {
                    case "debug": o.logLevel = LogLevel.DEBUG; return null;
                    case "info": o.logLevel = LogLevel.INFO; return null;
                    case "warn": o.logLevel = LogLevel.WARN; return null;
                    case "err": o.logLevel = LogLevel.ERROR; return null;
                    default: return invalidValue(e);
                }
            case "sandbox":
                switch (value) {
                    case "namespace": o.sandbox = SandboxMode.NAMESPACE; return null;
                    case "chroot": o.sandbox = SandboxMode.CHROOT; return null;
                    default: return invalidValue(e);
                }
            case "xattrmap":
                try {
                    o.xattrmap = XattrMap.parse(value);
                    return null;
                } catch (XattrMap.SyntaxException x) {
                    return invalidValue(XattrMapConverter.oneLine(e)) + ": " + x.getMessage();
                }
            case "modcaps":
                o.modcaps = value;
                return null;
            case "thread_pool_size":
                try {
                    o.threadPoolSize = Integer.parseInt(value);
                    return null;
                } catch (NumberFormatException x) {
                    return invalidValue(e);
                }
            default:
                return "Invalid compat argument '-o " + e + "'";
        }
    }

    private static String applyFlag(Options o, String e) {
        switch (e.toLowerCase(Locale.ROOT)) {
            case "xattr": o.xattr = true; return null;
            case "no_xattr": o.xattr = false; return null;
            case "readdirplus": o.noReaddirplus = false; return null;
            case "no_readdirplus": o.noReaddirplus = true; return null;
            case "writeback": o.writeback = true; return null;
            case "no_writeback": o.writeback = false; return null;
            case "allow_direct_io": o.allowDirectIo = true; return null;
            case "no_allow_direct_io": o.allowDirectIo = false; return null;
            case "announce_submounts": return null; // the default
            case "killpriv_v2": o.killprivV2 = true; return null;
            case "no_killpriv_v2": o.killprivV2 = false; return null;
            case "posix_acl": o.posixAcl = true; return null;
            case "no_posix_acl": o.posixAcl = false; return null;
            case "security_label": o.securityLabel = true; return null;
            case "no_security_label": o.securityLabel = false; return null;
            case "posix_lock": o.posixLock = true; return null;
            case "no_posix_lock": o.posixLock = false; return null;
            case "flock": o.flock = true; return null;
            case "no_flock": o.flock = false; return null;
            default: return "Invalid compat argument '-o " + e + "'";
        }
    }

    private static String invalidValue(String e) {
        return "Invalid compat value '-o " + e + "'";
    }
}
