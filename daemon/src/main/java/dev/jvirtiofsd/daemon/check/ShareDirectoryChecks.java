package dev.jvirtiofsd.daemon.check;

import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared directory itself: that it is one, whether the guest's user may write it, whether
 * the daemon's user can reach it, and whether host users can reach what the guest puts in it.
 */
final class ShareDirectoryChecks {
    private ShareDirectoryChecks() {
    }

    /** Check 1: a directory, not a symbolic link. False when the other checks cannot run. */
    static boolean isDirectory(Report report, Path dir) {
        if (Files.isSymbolicLink(dir)) {
            String target;
            try {
                target = dir.toRealPath().toString();
            } catch (IOException e) {
                report.problem(dir + " is a symbolic link to a missing target", "mkdir -p " + dir.toAbsolutePath()
                        .getParent().resolve(readLink(dir)).normalize() + ", and give that directory to --shared-dir");
                return false;
            }
            report.problem(dir + " is a symbolic link: the daemon serves a directory, not a link to one",
                    "--shared-dir=" + target);
            return false;
        }
        if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            report.problem(dir + " does not exist", "mkdir -p " + dir);
            return false;
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            // Check 3 for a user other than root: a parent it cannot search hides the share.
            String user = System.getProperty("user.name");
            Path closed = firstUnsearchableParent(dir.toAbsolutePath());
            String parent = closed == null ? "PARENT" : closed.toString();
            report.problem(dir + " cannot be reached by user " + user + ": " + (closed == null ? "a parent directory"
                    : closed) + " is not searchable by it, so a daemon run as " + user + " cannot serve the share",
                    "setfacl -m u:" + user + ":x " + parent, "(or chmod o+x " + parent + ", or run the daemon as root)");
            return false;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            report.problem(dir + " is not a directory", "--shared-dir must name a directory");
            return false;
        }
        report.ok(dir + " is a directory");
        return true;
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            return link;
        }
    }

    /**
     * Check 2: can the guest user write into the share's root, with its ids as they reach the
     * host (after --translate-uid/--translate-gid)? The owner, group and mode bits decide, as for
     * any host process (ACLs are not looked at).
     */
    static void guestCanWrite(Report report, Path dir, Integer guestUid, Integer guestGid,
            List<IdMapRule> uidRules, List<IdMapRule> gidRules) throws IOException {
        if (guestUid == null) {
            report.note("give --guest-uid and --guest-gid (the guest user's ids: run id in the guest) to check that "
                    + "the guest user can write the share");
            return;
        }
        IdTranslation ids;
        try {
            ids = IdTranslation.of(uidRules, gidRules);
        } catch (IllegalArgumentException e) {
            report.problem("the id translation rules are refused: " + e.getMessage(),
                    "correct the --translate-uid/--translate-gid rules");
            return;
        }
        long hostUid = ids.hostUid(guestUid);
        long hostGid = ids.hostGid(guestGid);
        if (hostUid == IdTranslation.FORBIDDEN || hostGid == IdTranslation.FORBIDDEN) {
            report.problem("guest user " + guestUid + ":" + guestGid + " is refused by a forbid-guest rule: each of "
                    + "its requests fails with EPERM", "remove the forbid-guest rule that covers "
                    + (hostUid == IdTranslation.FORBIDDEN ? "uid " + guestUid : "gid " + guestGid));
            return;
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int group = (Integer) Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        boolean translated = !uidRules.isEmpty() || !gidRules.isEmpty();
        String asHost = hostUid + ":" + hostGid + (translated ? " after --translate-uid/--translate-gid" : "");
        String shareIs = "owner " + owner + ":" + group + ", mode " + String.format("%04o", mode);
        if (canWrite(hostUid, hostGid, owner, group, mode)) {
            report.ok("guest user " + guestUid + ":" + guestGid + " (on the host " + asHost + ") can write " + dir
                    + " (" + shareIs + ")");
            return;
        }
        String problem = "guest user " + guestUid + ":" + guestGid + " cannot write " + dir + ": it has " + shareIs
                + ", and the guest's ids reach the host as " + asHost;
        if (owner == hostUid) {
            report.problem(problem, "chmod u+wx " + dir);
        } else if (owner == 0) {
            // Never map a guest user onto host root: give the share to a host user instead.
            report.problem(problem, "chown " + hostUid + ":" + hostGid + " " + dir,
                    "(or give it to a host user of its own and map the guest user onto that one with "
                            + "--translate-uid map:" + guestUid + ":HOSTUID:1 --translate-gid map:" + guestGid
                            + ":HOSTGID:1)");
        } else {
            report.problem(problem, "--translate-uid map:" + guestUid + ":" + owner + ":1 --translate-gid map:"
                    + guestGid + ":" + group + ":1" + (translated ? " (in place of the rules given for these ids)" : ""),
                    "(or give the share to the guest's ids on the host: chown " + hostUid + ":" + hostGid + " "
                            + dir + ")");
        }
    }

    static boolean canWrite(long uid, long gid, int owner, int group, int mode) {
        if (uid == 0) {
            return true;
        }
        if (uid == owner) {
            return (mode & 0300) == 0300;
        }
        if (gid == group) {
            return (mode & 0030) == 0030;
        }
        return (mode & 0003) == 0003;
    }

    /** The parent nearest the root that this user cannot search, or null. */
    private static Path firstUnsearchableParent(Path dir) {
        List<Path> parents = new ArrayList<>();
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            parents.add(0, p);
        }
        for (Path p : parents) {
            if (!Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Check 3, once the share could be reached: root (which keeps DAC_OVERRIDE) needs no search
     * bits; another user searched every parent to get here (see {@link #isDirectory}).
     */
    static void parentsSearchable(Report report, Path real, CheckSetup setup) {
        if (setup.root()) {
            report.ok("run as root, the daemon needs no search permission on the parents of " + real
                    + " (a daemon run as another user would)");
        } else {
            report.ok("user " + setup.user() + " can search every parent of " + real);
        }
    }

    /**
     * Check 4: the share's parent 0700, so that no host user can enter the share and run a setuid
     * program, or open a device node, that the guest made there.
     */
    static void parentPrivate(Report report, Path real) throws IOException {
        Path parent = real.getParent();
        if (parent == null) {
            report.problem("the share is the host's root directory", "share a directory of its own");
            return;
        }
        int mode = (Integer) Files.getAttribute(parent, "unix:mode") & 07777;
        if ((mode & 0077) == 0) {
            report.ok("the parent " + parent + " of the share is mode " + String.format("%04o", mode)
                    + ": host users cannot enter the share");
            return;
        }
        String moveIt = "mkdir -m 0700 /srv/vfs && mv " + real + " /srv/vfs/ (and share /srv/vfs/"
                + real.getFileName() + ")";
        String problem = "the parent " + parent + " of the share is mode " + String.format("%04o", mode)
                + ": host users can enter the share and run setuid programs the guest created in it";
        if (parent.getParent() == null || List.of("/home", "/srv", "/mnt", "/var", "/tmp", "/opt", "/media")
                .contains(parent.toString())) {
            report.problem(problem, moveIt);
        } else {
            report.problem(problem, "chmod 0700 " + parent, "(or move the share into a directory of its own: " + moveIt
                    + ")");
        }
    }

}
