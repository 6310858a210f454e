package dev.jvirtiofsd.daemon;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * {@code --socket-group}: the members of a group may connect too. The socket file is made
 * rwxrwx--- (what umask 0007 gives the Rust virtiofsd) and given to the group. The socket is
 * created owner-only first and opened to the group afterwards, so it is never wider than asked.
 */
final class SocketGroup {
    private final GroupPrincipal group;

    private SocketGroup(GroupPrincipal group) {
        this.group = group;
    }

    /** Resolves {@code name} with the system's group database (getgrnam). */
    static SocketGroup lookup(String name) throws IOException {
        try {
            return new SocketGroup(FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(name));
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("--socket-group: no group named '" + name + "'", e);
        }
    }

    /** Gives the socket file at {@code socket} to the group and lets the group read and write it. */
    void applyTo(Path socket) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(socket, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        view.setGroup(group);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rwxrwx---"));
    }
}
