package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.XattrMap;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The legacy {@code -o opt[,opt...]} syntax of QEMU's C virtiofsd, which libvirt before 10.x
 * passes (e.g. {@code -o source=/srv,cache=always,sandbox=chroot,xattr,flock,posix_lock}).
 * Applied after the separate options, so {@code -o} wins whatever the order, as in the Rust
 * virtiofsd.
 */
final class CompatOptions {
    private CompatOptions() {
    }

    /** The directory of the last {@code source=} element, or null: the shared directory they name. */
    static Path source(List<String> elements) {
        Path source = null;
        for (String element : elements) {
            String e = element.trim();
            if (e.startsWith("source=") && e.indexOf('=') == e.lastIndexOf('=')) {
                source = Path.of(e.substring("source=".length()));
            }
        }
        return source;
    }

    /** Applies every {@code -o} element to {@code o}; returns a one-line reason for a bad one. */
    static String apply(Options o) {
        for (String element : o.compatOptions) {
            String e = element.trim();
            if (e.isEmpty()) {
                continue;
            }
            String problem = e.contains("=") ? applyKeyValue(o, e) : applyFlag(o, e);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String applyKeyValue(Options o, String e) {
        String[] kv = e.split("=", -1);
        if (kv.length != 2) {
            return "Invalid compat argument '-o " + e + "'";
        }
        String key = kv[0];
        String value = kv[1];
        switch (key) {
            case "source":
                o.sharedDir = Path.of(value);
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
