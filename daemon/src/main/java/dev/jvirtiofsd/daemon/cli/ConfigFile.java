package dev.jvirtiofsd.daemon.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A config file: command-line arguments, one per line, for what a caller such as libvirt cannot
 * put on the command line. Leading and trailing blanks are dropped; blank lines and lines whose
 * first character is {@code #} are skipped (a {@code #} later in a line is part of the argument:
 * xattrmap rules may use it as their delimiter). The lines go before the command line's arguments,
 * so the command line wins for an option with one value and adds to a repeatable one.
 *
 * <p>Which file: the one {@code --config FILE} names; without it, the one file
 * {@code DIR/*.conf} (DIR {@value #DEFAULT_DIRECTORY}, or {@value #DIRECTORY_ENV} where set) whose
 * {@code --shared-dir=} line names the command line's shared directory (same real path); none
 * when no file does. Files there that cannot be read are passed over. bin/jvirtiofsd applies the
 * same rule to decide the sandbox, capabilities and limits before the JVM starts.
 */
public final class ConfigFile {
    public static final String DEFAULT_DIRECTORY = "/etc/jvirtiofsd";
    public static final String DIRECTORY_ENV = "JVIRTIOFSD_CONFIG_DIR";

    private static final String SHARED_DIR_PREFIX = "--shared-dir=";

    private ConfigFile() {
    }

    /** A config file could not be read or used: a one-line reason. */
    public static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }

    /** The directory searched by shared directory. */
    public static Path directory() {
        String dir = System.getenv(DIRECTORY_ENV);
        return Path.of(dir == null || dir.isEmpty() ? DEFAULT_DIRECTORY : dir);
    }

    /** The arguments of {@code file}, in order. */
    public static List<String> read(Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        List<String> arguments = new ArrayList<>();
        int number = 0;
        for (String line : lines) {
            number++;
            String argument = line.strip();
            if (argument.isEmpty() || argument.startsWith("#")) {
                continue;
            }
            if (argument.equals("--config") || argument.startsWith("--config=")) {
                throw new ConfigException("config file " + file + " line " + number
                        + ": --config cannot be used inside a config file");
            }
            arguments.add(argument);
        }
        return arguments;
    }

    /**
     * The file of {@code directory} for {@code sharedDir}: null when none names it (or the
     * directory does not exist).
     *
     * @throws ConfigException when more than one does
     */
    public static Path lookup(Path directory, Path sharedDir) throws ConfigException {
        Path wanted = realPath(sharedDir);
        if (wanted == null || !Files.isDirectory(directory)) {
            return null;
        }
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.conf")) {
            for (Path file : files) {
                if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                    continue;
                }
                Path named = sharedDirOf(file);
                if (named != null && wanted.equals(realPath(named))) {
                    matches.add(file);
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (matches.size() > 1) {
            matches.sort(null);
            throw new ConfigException("more than one config file names the shared directory " + wanted + ": "
                    + matches.get(0) + " and " + matches.get(1) + "; keep one, or name it with --config");
        }
        return matches.isEmpty() ? null : matches.get(0);
    }

    /** The directory of the file's last {@code --shared-dir=} line, or null. */
    private static Path sharedDirOf(Path file) {
        try {
            Path named = null;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String argument = line.strip();
                if (argument.startsWith(SHARED_DIR_PREFIX) && argument.length() > SHARED_DIR_PREFIX.length()) {
                    named = Path.of(argument.substring(SHARED_DIR_PREFIX.length()));
                }
            }
            return named;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
