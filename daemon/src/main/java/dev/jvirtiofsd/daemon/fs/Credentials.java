package dev.jvirtiofsd.daemon.fs;

import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import dev.jvirtiofsd.daemon.sys.ThreadIdentity;

/**
 * The identity a create-type request (CREATE, MKNOD, MKDIR, SYMLINK, TMPFILE) runs with, on the
 * worker thread serving it and nowhere else: the guest's uid and gid, the supplementary groups
 * the guest sent (each translated to the host's with {@code --translate-uid/-gid}; a forbidden
 * one fails the request with EPERM before anything is switched), no effective capabilities (so
 * the host kernel checks the guest user's permissions itself and makes the new node theirs), and,
 * where the guest left it to us (FUSE_DONT_MASK), the request's umask. A try-with-resources scope that always restores:
 *
 * <pre>
 * try (Credentials creds = Credentials.assume(ctx, ids, umask, keepDacOverride)) {
 *     if (creds.error() &lt; 0) return creds.error();
 *     ... the create ...
 * }
 * </pre>
 *
 * <p>As the Rust virtiofsd: a (host) uid or gid of 0, or one equal to the thread's own, is not switched
 * (guest root creates with the daemon's own powers); when the guest cannot send its supplementary
 * groups (no FUSE_CREATE_SUPP_GROUP), CAP_DAC_OVERRIDE stays effective, because a group that
 * grants the guest user access would otherwise be unknown here.
 *
 * <p>Each thread is prepared once ({@link #prepareThread}): unshare(CLONE_FS) so that its umask
 * is its own, and SECBIT_NO_SETUID_FIXUP so that switching the effective uid leaves the
 * capability sets to this class instead of the kernel's fix-up rules. One instance per thread,
 * reused; scopes do not nest.
 */
public final class Credentials implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Credentials.class);
    private static final ThreadLocal<Credentials> THREAD = ThreadLocal.withInitial(Credentials::new);
    private static final long DAC_OVERRIDE = 1L << ThreadIdentity.CAP_DAC_OVERRIDE;

    /** 0 once the thread is prepared, else the errno of unshare(CLONE_FS) (negative). */
    private final int preparation;
    /** The thread's own identity, restored by {@link #close}. */
    private final int homeUid;
    private final int homeGid;
    private final int[] homeGroups;
    /** The request's supplementary groups translated to host gids; grows, never shrinks. */
    private int[] hostGroups = new int[8];

    private boolean uidChanged;
    private boolean gidChanged;
    private boolean groupsChanged;
    private boolean capabilitiesChanged;
    private boolean umaskChanged;
    private long savedCapabilities;
    private int savedUmask;
    private int error;

    private Credentials() {
        preparation = prepareThread();
        homeUid = ThreadIdentity.effectiveUid();
        homeGid = ThreadIdentity.effectiveGid();
        int[] groups = ThreadIdentity.groups();
        homeGroups = groups == null ? new int[0] : groups;
    }

    /**
     * Prepares the calling thread for per-request identities: its own umask and working
     * directory (unshare(CLONE_FS)) and SECBIT_NO_SETUID_FIXUP. Idempotent in effect; worker
     * threads call it when they start. Returns 0 or the negative errno of unshare; the securebit
     * needs CAP_SETPCAP, and a daemon without it cannot switch uids anyway, so its failure is
     * only logged.
     */
    public static int prepareThread() {
        int ret = ThreadIdentity.unshareFilesystemAttributes();
        if (ret < 0) {
            LOG.error("unshare(CLONE_FS) failed on thread {}: {}; the request umask cannot be applied there",
                    Thread.currentThread().getName(), Syscalls.strerror(-ret));
            return ret;
        }
        int bits = ThreadIdentity.securebits();
        if (bits >= 0 && (bits & ThreadIdentity.SECBIT_NO_SETUID_FIXUP) == 0) {
            int set = ThreadIdentity.setSecurebits(bits | ThreadIdentity.SECBIT_NO_SETUID_FIXUP);
            if (set < 0) {
                LOG.debug("cannot set SECBIT_NO_SETUID_FIXUP on thread {}: {}", Thread.currentThread().getName(),
                        Syscalls.strerror(-set));
            }
        }
        return 0;
    }

    /**
     * Switches this thread to the creator's identity.
     *
     * @param ctx the request: uid, gid and the supplementary groups the guest sent
     * @param ids how those guest ids translate to host ids
     * @param umask the umask to apply, or -1 to leave the thread's (0) as it is
     * @param keepDacOverride keep CAP_DAC_OVERRIDE effective (the guest could not send its groups)
     * @return this thread's scope; check {@link #error()} before creating anything
     */
    public static Credentials assume(RequestContext ctx, IdTranslation ids, int umask, boolean keepDacOverride) {
        Credentials c = THREAD.get();
        c.enter(ctx, ids, umask, keepDacOverride);
        return c;
    }

    /** 0, or the negative errno of the switch that failed (everything already switched is undone). */
    public int error() {
        return error;
    }

    private void enter(RequestContext ctx, IdTranslation ids, int umask, boolean keepDacOverride) {
        uidChanged = gidChanged = groupsChanged = capabilitiesChanged = umaskChanged = false;
        error = 0;
        int uid = ctx.uid;
        int gid = ctx.gid;
        int[] groups = ctx.supplementaryGroups();
        int count = ctx.supplementaryGroupCount();
        if (!ids.isIdentity()) {
            long hostUid = ids.hostUid(uid);
            if (hostUid == IdTranslation.FORBIDDEN) {
                error = ids.refuse("uid", uid);
                return;
            }
            long hostGid = ids.hostGid(gid);
            if (hostGid == IdTranslation.FORBIDDEN) {
                error = ids.refuse("gid", gid);
                return;
            }
            uid = (int) hostUid;
            gid = (int) hostGid;
            if (hostGroups.length < count) {
                hostGroups = new int[count];
            }
            for (int i = 0; i < count; i++) {
                long hostGroup = ids.hostGid(groups[i]);
                if (hostGroup == IdTranslation.FORBIDDEN) {
                    error = ids.refuse("supplementary gid", groups[i]);
                    return;
                }
                hostGroups[i] = (int) hostGroup;
            }
            groups = hostGroups;
        }
        boolean switchUid = uid != 0 && uid != homeUid;
        boolean switchGid = gid != 0 && gid != homeGid;
        if (switchUid) {
            long caps = ThreadIdentity.effectiveCapabilities();
            if (caps < 0) {
                fail((int) caps);
                return;
            }
            savedCapabilities = caps;
        }
        // Groups and gid while the thread still has CAP_SETGID, then the uid, then the capabilities.
        // The groups the guest sent, or none once the uid is the guest's: the daemon's own
        // groups must not lend the guest user their access.
        if (switchUid || (switchGid && count > 0)) {
            if (!sameGroups(groups, count, homeGroups)) {
                int ret = ThreadIdentity.setGroups(groups, count);
                if (ret < 0) {
                    fail(ret);
                    return;
                }
                groupsChanged = true;
            }
        }
        if (switchGid) {
            int ret = ThreadIdentity.setEffectiveGid(gid);
            if (ret < 0) {
                fail(ret);
                return;
            }
            gidChanged = true;
        }
        if (switchUid) {
            int ret = ThreadIdentity.setEffectiveUid(uid);
            if (ret < 0) {
                fail(ret);
                return;
            }
            uidChanged = true;
            capabilitiesChanged = true;
            ret = ThreadIdentity.setEffectiveCapabilities(keepDacOverride ? savedCapabilities & DAC_OVERRIDE : 0);
            if (ret < 0) {
                fail(ret);
                return;
            }
        }
        if (umask >= 0) {
            if (preparation < 0) {
                fail(preparation); // a process-wide umask would leak into other threads' creates
                return;
            }
            savedUmask = Syscalls.umask(umask & 0777);
            umaskChanged = true;
        }
    }

    private static boolean sameGroups(int[] groups, int count, int[] home) {
        return count == home.length && Arrays.equals(groups, 0, count, home, 0, count);
    }

    private void fail(int errno) {
        restore();
        error = errno;
    }

    /** Back to the thread's own identity: umask, uid, gid, capabilities, then groups (needs CAP_SETGID). */
    @Override
    public void close() {
        restore();
    }

    private void restore() {
        if (umaskChanged) {
            Syscalls.umask(savedUmask);
            umaskChanged = false;
        }
        // Going back to the saved ids needs no capability.
        if (uidChanged) {
            check(ThreadIdentity.setEffectiveUid(homeUid), "uid");
            uidChanged = false;
        }
        if (gidChanged) {
            check(ThreadIdentity.setEffectiveGid(homeGid), "gid");
            gidChanged = false;
        }
        if (capabilitiesChanged) {
            check(ThreadIdentity.setEffectiveCapabilities(savedCapabilities), "effective capabilities");
            capabilitiesChanged = false;
        }
        if (groupsChanged) {
            check(ThreadIdentity.setGroups(homeGroups, homeGroups.length), "supplementary groups");
            groupsChanged = false;
        }
    }

    private static void check(int ret, String what) {
        if (ret < 0) {
            LOG.error("cannot restore the {} of thread {}: {}", what, Thread.currentThread().getName(),
                    Syscalls.strerror(-ret));
        }
    }
}
