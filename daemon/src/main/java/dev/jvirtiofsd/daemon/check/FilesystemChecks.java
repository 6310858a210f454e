package dev.jvirtiofsd.daemon.check;

import dev.jvirtiofsd.daemon.fs.InodeFileHandles;
import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.HostProbes;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The filesystem and the mount that hold the share: which one, its mount options, what it supports. */
final class FilesystemChecks {
    private FilesystemChecks() {
    }

    /** Check 5: not the host's root filesystem, which a guest could fill (blocks and inodes). */
    static void notOnRootFilesystem(Report report, Path real) throws IOException {
        Object shareDevice = Files.getAttribute(real, "unix:dev");
        Object rootDevice = Files.getAttribute(Path.of("/"), "unix:dev");
        if (!shareDevice.equals(rootDevice)) {
            report.ok(real + " is not on the host's root filesystem");
            return;
        }
        report.problem(real + " is on the host's root filesystem: a guest can fill it, inodes included, and "
                + "so stop the host", "give the share a filesystem of its own: a partition, an LVM volume, or an "
                + "image, e.g. truncate -s 20G /var/lib/vfs.img && mkfs.ext4 /var/lib/vfs.img && mount -o "
                + "loop,nosuid,nodev /var/lib/vfs.img " + real,
                "(or limit what the guest can use with a project quota: xfs_quota, or ext4's prjquota)");
    }

    /**
     * Check 6: the mount holding the share has nosuid and nodev, so that setuid programs and device
     * nodes the guest makes do nothing on the host.
     */
    static void mountedNosuidNodev(Report report, Path real, MountInfo mounts) {
        MountInfo.Mount mount = mounts.holding(real);
        if (mount == null) {
            report.note("no mount in /proc/self/mountinfo holds " + real);
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String option : List.of("nosuid", "nodev")) {
            if (!mount.options().contains(option)) {
                missing.add(option);
            }
        }
        String where = "the mount at " + mount.mountPoint() + " (" + mount.fsType() + ")";
        if (missing.isEmpty()) {
            report.ok(where + " holding the share has nosuid,nodev");
            return;
        }
        String problem = where + " holding the share lacks " + String.join(",", missing)
                + ": setuid programs and device nodes the guest creates take effect on the host";
        if (mount.mountPoint().equals(real)) {
            report.problem(problem, "mount -o remount,bind,nosuid,nodev " + real,
                    "(and add nosuid,nodev to its line in /etc/fstab)");
        } else {
            report.problem(problem, "mount --bind " + real + " " + real + " && mount -o remount,bind,nosuid,nodev "
                    + real, "(in /etc/fstab: " + real + " " + real + " none bind,nosuid,nodev 0 0)");
        }
    }

    /**
     * Check 7: file handles (for --inode-file-handles) and user extended attributes (for --xattr),
     * asked of the kernel on the share's root.
     */
    static void features(Report report, Path real, String fsType, boolean xattr, InodeFileHandles handles) {
        String fs = "the filesystem of " + real + (fsType == null ? "" : " (" + fsType + ")");
        int handle = HostProbes.fileHandle(real);
        if (handle == 0) {
            report.ok(fs + " gives file handles (--inode-file-handles can be used)");
        } else if (handle == -Errno.EOPNOTSUPP && handles == InodeFileHandles.MANDATORY) {
            report.problem(fs + " gives no file handles, which --inode-file-handles=mandatory needs: the daemon "
                    + "would not start", "--inode-file-handles=prefer (O_PATH file descriptors where there are no "
                    + "handles), or share a directory on a filesystem with them (ext4, xfs, btrfs, tmpfs)");
        } else if (handle == -Errno.EOPNOTSUPP) {
            report.note(fs + " gives no file handles: --inode-file-handles=mandatory would fail on it, prefer falls "
                    + "back to O_PATH file descriptors");
        } else {
            report.note("cannot ask for a file handle of " + real + ": " + Syscalls.strerror(-handle));
        }

        int set = HostProbes.userXattr(real);
        if (set == 0) {
            report.ok(fs + " has user extended attributes" + (xattr ? " (--xattr)" : ""));
        } else if (set == -Errno.EOPNOTSUPP) {
            if (xattr) {
                report.problem(fs + " has no user extended attributes, which --xattr (also implied by --posix-acl, "
                        + "--security-label and --xattrmap) serves to the guest", "drop --xattr, or share a directory "
                        + "on a filesystem with extended attributes (ext4, xfs, btrfs, tmpfs since Linux 6.6)");
            } else {
                report.note(fs + " has no user extended attributes: --xattr would answer the guest EOPNOTSUPP");
            }
        } else {
            report.note("cannot set the probe attribute " + HostProbes.XATTR_PROBE + " on " + real + ": "
                    + Syscalls.strerror(-set));
        }
    }
}
