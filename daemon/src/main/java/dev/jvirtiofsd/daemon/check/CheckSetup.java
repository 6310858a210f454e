package dev.jvirtiofsd.daemon.check;

import dev.jvirtiofsd.daemon.cli.Options;
import java.nio.file.Path;

/**
 * What {@code jvirtiofsd check} looks at: the share, the guest user's ids, a libvirt domain, the
 * daemon options it would run with, and who runs it (the user the daemon will run as).
 *
 * @param guestUid the guest user's uid, or null when not given (then with {@code guestGid} null too)
 * @param domainXml a libvirt domain definition, or null
 * @param launcher the path of bin/jvirtiofsd for the fixes, or null when unknown
 */
public record CheckSetup(Path sharedDir, Integer guestUid, Integer guestGid, Path domainXml, Options daemon,
        int uid, String user, String launcher) {
    boolean root() {
        return uid == 0;
    }
}
