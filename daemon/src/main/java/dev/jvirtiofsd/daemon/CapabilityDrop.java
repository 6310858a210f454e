package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.CapabilityCalls;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives up privileges on the calling thread once start-up is over: every capability outside
 * the kept set leaves the effective, permitted, inheritable, ambient and bounding sets, and
 * no_new_privs is set, so neither this thread nor any thread or program it starts can gain one
 * back. Before CAP_SETPCAP goes, SECBIT_NO_SETUID_FIXUP is set and locked, so that a thread
 * switching to a guest's uid for a create keeps the capability sets under its own control
 * ({@code fs.Credentials}).
 *
 * <p>Capabilities, securebits and no_new_privs belong to one thread; a new thread copies its
 * creator's. The daemon calls this on the thread that then creates every queue worker and pool
 * thread, before creating any, so every thread that serves a request has exactly the kept set.
 * Threads the JVM started before {@code main} (the primordial thread, whose status is the
 * process's in /proc/PID/status, the VM, GC, compiler and reference threads) cannot be reached
 * from here: they keep what the process was started with. So bin/jvirtiofsd starts the JVM with
 * the kept set already (setpriv), and {@link #reportProcessCapabilities} says when it was not.
 */
final class CapabilityDrop {
    private static final Logger LOG = LoggerFactory.getLogger(CapabilityDrop.class);

    /** Far above any capability number the kernel knows; the loop stops at the first unknown one. */
    private static final int MAX_CAPABILITIES = 64;

    private CapabilityDrop() {
    }

    /**
     * Leaves the calling thread with {@code kept} (as far as it has those) and nothing else.
     *
     * @return the capabilities the thread has now
     * @throws ErrnoException if the sets cannot be changed
     */
    static long dropAllBut(long kept) throws ErrnoException {
        long permitted = CapabilityCalls.get().permitted();
        long keep = kept & permitted;
        if (keep != kept) {
            LOG.warn("capabilities not available to keep: {}", KeptCapabilities.names(kept & ~permitted));
        }
        lockSetuidFixupOff();
        dropBoundingSet(keep);
        int ret = CapabilityCalls.clearAmbientSet();
        if (ret < 0) {
            LOG.warn("cannot clear the ambient capability set: {}", Syscalls.strerror(-ret));
        }
        ErrnoException.check(CapabilityCalls.set(keep, keep, 0), "capset");
        ErrnoException.check(CapabilityCalls.setNoNewPrivs(), "prctl(PR_SET_NO_NEW_PRIVS)");
        CapabilityCalls.Sets now = CapabilityCalls.get();
        if (now.permitted() != keep || now.effective() != keep || now.inheritable() != 0) {
            throw new ErrnoException("capabilities still held after the drop: "
                    + KeptCapabilities.names(now.permitted() & ~keep), 1);
        }
        LOG.debug("capabilities kept: {}", KeptCapabilities.names(keep));
        return keep;
    }

    /** The calling thread's permitted set; on the main thread at start-up, what the process was started with. */
    static long permittedNow() {
        try {
            return CapabilityCalls.get().permitted();
        } catch (ErrnoException e) {
            LOG.warn("cannot read the capabilities: {}", e.getMessage());
            return 0;
        }
    }

    /**
     * Warns when the process was started with more than {@code kept} and {@code needed} (what
     * start-up itself needs, e.g. CAP_SYS_CHROOT for the chroot sandbox): the JVM's own threads
     * keep that surplus, as shown in /proc/PID/status.
     */
    static void reportProcessCapabilities(long kept, long startedWith, long needed) {
        long surplus = startedWith & ~kept & ~needed;
        if (surplus != 0) {
            LOG.warn("the JVM's own threads keep the capabilities it was started with ({}); start the daemon "
                    + "through bin/jvirtiofsd, which starts it with the kept ones only", KeptCapabilities.names(surplus));
        }
    }

    /** Only no_new_privs: what an unprivileged daemon can still give up. */
    static void noNewPrivileges() throws ErrnoException {
        ErrnoException.check(CapabilityCalls.setNoNewPrivs(), "prctl(PR_SET_NO_NEW_PRIVS)");
    }

    private static void lockSetuidFixupOff() {
        int wanted = CapabilityCalls.SECBIT_NO_SETUID_FIXUP | CapabilityCalls.SECBIT_NO_SETUID_FIXUP_LOCKED;
        int bits = CapabilityCalls.securebits();
        if (bits >= 0 && (bits & wanted) == wanted) {
            return;
        }
        int ret = bits < 0 ? bits : CapabilityCalls.setSecurebits(bits | wanted);
        if (ret < 0) {
            // Without it a uid switch clears the effective set; Credentials restores it explicitly.
            LOG.warn("cannot set SECBIT_NO_SETUID_FIXUP: {}", Syscalls.strerror(-ret));
        }
    }

    /** How many capabilities above {@code cap} are in the bounding set and not in {@code keep}. */
    private static int remainingAfter(int cap, long keep) {
        int n = 0;
        for (int c = cap + 1; c < MAX_CAPABILITIES; c++) {
            int present = CapabilityCalls.inBoundingSet(c);
            if (present < 0) {
                break;
            }
            if (present == 1 && (keep & KeptCapabilities.bit(c)) == 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Removes everything but {@code keep} from the bounding set. Without CAP_SETPCAP (some
     * containers) that fails: no_new_privs then still keeps an exec from gaining capabilities.
     */
    private static void dropBoundingSet(long keep) {
        for (int cap = 0; cap < MAX_CAPABILITIES; cap++) {
            int present = CapabilityCalls.inBoundingSet(cap);
            if (present < 0) {
                break; // past the last capability this kernel knows
            }
            if (present == 1 && (keep & KeptCapabilities.bit(cap)) == 0) {
                int ret = CapabilityCalls.dropFromBoundingSet(cap);
                if (ret < 0) {
                    // bin/jvirtiofsd keeps CAP_SETPCAP from the JVM; there the bounding set is the
                    // kept set already, or one more for the chroot sandbox.
                    boolean onlyChroot = cap == KeptCapabilities.SYS_CHROOT && remainingAfter(cap, keep) == 0;
                    if (onlyChroot) {
                        LOG.debug("CAP_SYS_CHROOT stays in the bounding set (no CAP_SETPCAP); no_new_privs keeps "
                                + "programs from gaining it");
                    } else {
                        LOG.warn("cannot drop capabilities from the bounding set: {}", Syscalls.strerror(-ret));
                    }
                    return;
                }
            }
        }
    }
}
