package dev.jvirtiofsd.daemon.check;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code jvirtiofsd check}: inspects a host setup for a share, as the daemon would find it, and
 * reports each problem with its fix. It starts no daemon and changes nothing, except the probe
 * attribute it sets on the share's root and removes again.
 */
public final class HostCheck {
    private HostCheck() {
    }

    public static Report run(CheckSetup setup) {
        Report report = new Report();
        Path real = null;
        if (setup.sharedDir() != null) {
            real = share(report, setup);
        }
        if (setup.domainXml() != null) {
            DomainXmlCheck.check(report, setup.domainXml(), real, setup.launcher());
        }
        return report;
    }

    /** Checks 1 to 7 on the shared directory; its real path, or null when it is not a directory. */
    private static Path share(Report report, CheckSetup setup) {
        Path dir = setup.sharedDir();
        if (!ShareDirectoryChecks.isDirectory(report, dir)) {
            return null;
        }
        Path real;
        try {
            real = dir.toRealPath();
            ShareDirectoryChecks.guestCanWrite(report, real, setup.guestUid(), setup.guestGid(),
                    setup.daemon().translateUid, setup.daemon().translateGid);
            ShareDirectoryChecks.parentsSearchable(report, real, setup);
            ShareDirectoryChecks.parentPrivate(report, real);
            FilesystemChecks.notOnRootFilesystem(report, real);
        } catch (IOException e) {
            report.note("cannot look at " + dir + ": " + e.getMessage());
            return null;
        }
        String fsType = null;
        try {
            MountInfo mounts = MountInfo.read();
            FilesystemChecks.mountedNosuidNodev(report, real, mounts);
            MountInfo.Mount mount = mounts.holding(real);
            fsType = mount == null ? null : mount.fsType();
        } catch (IOException e) {
            report.note("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        FilesystemChecks.features(report, real, fsType, setup.daemon().xattr, setup.daemon().inodeFileHandlesMode());
        return real;
    }
}
