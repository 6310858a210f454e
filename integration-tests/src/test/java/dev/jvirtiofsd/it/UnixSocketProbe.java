package dev.jvirtiofsd.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Tells whether a Unix socket is listening without connecting to it: a vhost-user backend serves
 * a single connection, so a probing connect would use it up. Reads the kernel's socket tables
 * (/proc/PID/net/unix is per network namespace, and a sandboxed backend may have its own).
 */
final class UnixSocketProbe {
    /** __SO_ACCEPTCON in the Flags column: the socket is listening. */
    private static final String LISTENING_FLAGS = "00010000";

    private UnixSocketProbe() {
    }

    static boolean isListening(Path socket, Collection<ProcessHandle> processes) {
        Set<Path> tables = new LinkedHashSet<>();
        tables.add(Path.of("/proc/self/net/unix"));
        for (ProcessHandle process : processes) {
            tables.add(Path.of("/proc", Long.toString(process.pid()), "net/unix"));
        }
        String wanted = socket.toString();
        for (Path table : tables) {
            if (tableListsListening(table, wanted)) {
                return true;
            }
        }
        return false;
    }

    /** Columns: Num RefCount Protocol Flags Type St Inode Path. */
    static boolean tableListsListening(Path table, String socketPath) {
        try {
            for (String line : Files.readAllLines(table)) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length >= 8 && columns[7].equals(socketPath) && columns[3].equals(LISTENING_FLAGS)) {
                    return true;
                }
            }
        } catch (IOException e) {
            // The process has gone away (or the table is unreadable): nothing listens there.
        }
        return false;
    }
}
