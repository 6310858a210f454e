package dev.jvirtiofsd.daemon.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What is wrong with a {@code --shared-dir} before the daemon starts on it, each in one line with
 * what to do: missing, a symbolic link, not a directory, or not readable and searchable by the
 * user the daemon runs as.
 */
public final class SharedDirProblem {
    private SharedDirProblem() {
    }

    /** A one-line reason with its fix, or null when the daemon can serve {@code dir}. */
    public static String of(Path dir) {
        if (Files.isSymbolicLink(dir)) {
            String target;
            try {
                target = dir.toRealPath().toString();
            } catch (IOException e) {
                return "shared directory " + dir + " is a symbolic link to a missing target: give the directory "
                        + "itself to --shared-dir";
            }
            return "shared directory " + dir + " is a symbolic link: give the directory itself, --shared-dir=" + target;
        }
        if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "shared directory " + dir + " does not exist: create it (mkdir -p " + dir
                    + ") or correct --shared-dir";
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return notAccessible(dir);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return "shared directory " + dir + " is not a directory: --shared-dir must name a directory";
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            return notAccessible(dir);
        }
        return null;
    }

    private static String notAccessible(Path dir) {
        String user = System.getProperty("user.name");
        return "shared directory " + dir + " is not accessible to user " + user
                + " (the daemon needs read and search permission on it and search permission on every "
                + "parent): run the daemon as root or as the directory's owner, or grant it, e.g. "
                + "setfacl -m u:" + user + ":rx " + dir + " (and u:" + user + ":x on each parent)";
    }
}
