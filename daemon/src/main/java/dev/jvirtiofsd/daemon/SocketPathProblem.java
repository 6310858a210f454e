package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Why the socket (or its pid file) cannot be made at a {@code --socket-path}, in one line with the fix. */
final class SocketPathProblem {
    private SocketPathProblem() {
    }

    /** A problem of the socket's directory found before anything is created there, or null. */
    static String beforeCreating(Path socket) {
        Path dir = socket.getParent();
        if (Files.notExists(dir)) {
            return "cannot create the socket " + socket + ": the directory " + dir + " does not exist: create it "
                    + "(mkdir -p " + dir + ") or choose another --socket-path";
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            return "cannot create the socket " + socket + ": " + dir + " is not a directory: choose another "
                    + "--socket-path";
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
            return "cannot create the socket " + socket + ": a file that is not a socket is in the way: remove it "
                    + "or choose another --socket-path";
        }
        return null;
    }

    private static boolean isSocket(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer && (((Integer) mode) & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The reason a failure to create the pid file or the socket gives, with the fix. */
    static String explain(Path socket, int errno, String message) {
        Path dir = socket.getParent();
        int uid = ProcessCalls.effectiveUid();
        String user = System.getProperty("user.name") + " (uid " + uid + ")";
        switch (errno) {
            case Errno.EACCES:
            case Errno.EPERM:
                return "cannot create the socket " + socket + ": user " + user + " may not create files in " + dir
                        + ": run the daemon as root or as a user who may write there, or choose a directory the "
                        + "user owns, e.g. --socket-path=/run/user/" + uid + "/" + socket.getFileName()
                        + " (with --socket-group=GROUP when QEMU runs as another user)";
            case Errno.EROFS:
                return "cannot create the socket " + socket + ": " + dir + " is on a read-only filesystem: choose "
                        + "another --socket-path, e.g. under /run";
            case Errno.ENOENT:
            case Errno.ENOTDIR:
                return "cannot create the socket " + socket + ": the directory " + dir + " does not exist: create it "
                        + "(mkdir -p " + dir + ") or choose another --socket-path";
            default:
                return "cannot create the socket " + socket + ": " + message;
        }
    }
}
