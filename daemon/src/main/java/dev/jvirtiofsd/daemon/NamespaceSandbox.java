package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.MountCalls;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --sandbox=namespace}: the daemon in new mount, pid and network namespaces, with the
 * shared directory as its root and a /proc of its own.
 *
 * <p>Namespaces belong to threads and a JVM has many before {@code main} runs, so the launcher
 * (bin/jvirtiofsd) enters them with util-linux {@code unshare} before it starts the JVM, and
 * says so in {@link #OUTER_NAMESPACES_ENV}: the namespace links it had before. The daemon then
 * checks it really is elsewhere ({@link #verify}), and takes three steps:
 * <ol>
 * <li>{@link #privateProcSelfFd}, before the filesystem is built: a fresh procfs of the new pid
 * namespace on /proc (in this mount namespace only), and a detached copy of its
 * {@code /proc/self/fd} that the filesystem holds open for its magic-link calls; ".." never leaves
 * a detached tree, so nothing else of /proc stays reachable once the old root is gone;</li>
 * <li>{@link #pivotInto}, once the frontend is connected and the socket file removed (it lies
 * outside the new root): the shared directory bind-mounted onto itself, made the root with
 * pivot_root, and the old root detached, so ".." and absolute symlinks end inside the share;</li>
 * </ol>
 * The mounts never reach the host: the launcher makes every mount a slave, and so does step 1.
 */
final class NamespaceSandbox {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceSandbox.class);

    /** Set by bin/jvirtiofsd when it entered new namespaces: its own mnt, pid and net links before. */
    static final String OUTER_NAMESPACES_ENV = "JVIRTIOFSD_OUTER_NAMESPACES";

    /** The namespaces the launcher leaves and the daemon checks. */
    static final List<String> KINDS = List.of("mnt", "pid", "net");

    private static final byte[] ROOT = {'/'};

    private NamespaceSandbox() {
    }

    /** Whether the launcher says it started this JVM in new namespaces. */
    static boolean enteredByLauncher() {
        String outer = System.getenv(OUTER_NAMESPACES_ENV);
        return outer != null && !outer.isBlank();
    }

    /** Fails unless this process's mnt, pid and net namespaces all differ from the launcher's. */
    static void verify() throws IOException {
        verify(System.getenv(OUTER_NAMESPACES_ENV), Path.of("/proc/self/ns"));
    }

    /**
     * @param outer the launcher's links, blank-separated (e.g. {@code mnt:[4026531832] pid:[...] net:[...]})
     * @param ownNamespaces this process's {@code /proc/self/ns}
     */
    static void verify(String outer, Path ownNamespaces) throws IOException {
        if (outer == null || outer.isBlank()) {
            throw new IOException("--sandbox=namespace: the namespaces are entered by the launcher bin/jvirtiofsd "
                    + "before the JVM starts, and this JVM was not started so (" + OUTER_NAMESPACES_ENV
                    + " is not set); start the daemon through bin/jvirtiofsd or use --sandbox=chroot or none");
        }
        List<String> before = Arrays.asList(outer.trim().split("\\s+"));
        for (String kind : KINDS) {
            String own = Files.readSymbolicLink(ownNamespaces.resolve(kind)).toString();
            boolean launcherHadIt = before.stream().anyMatch(l -> l.startsWith(kind + ":"));
            if (!launcherHadIt) {
                throw new IOException("--sandbox=namespace: " + OUTER_NAMESPACES_ENV + " names no " + kind
                        + " namespace: " + outer);
            }
            if (before.contains(own)) {
                throw new IOException("--sandbox=namespace: still in the launcher's " + kind + " namespace " + own);
            }
        }
    }

    /**
     * Step 1: mounts a procfs of this pid namespace on /proc (nosuid, nodev, noexec) and returns
     * the path under which a detached copy of its {@code /proc/self/fd} can be opened (a magic
     * link in that procfs naming the copy's fd, valid until the old root is detached: open it
     * before {@link #pivotInto}).
     */
    static String privateProcSelfFd() throws ErrnoException {
        // The launcher already made every mount a slave; repeat it so no mount reaches the host.
        MountCalls.mount("none", "/", null, MountCalls.MS_SLAVE | MountCalls.MS_REC);
        MountCalls.mount("proc", "/proc", "proc",
                MountCalls.MS_NOSUID | MountCalls.MS_NODEV | MountCalls.MS_NOEXEC | MountCalls.MS_RELATIME);
        int fdDir = MountCalls.openTreeClone("/proc/self/fd");
        LOG.debug("sandbox: private /proc, /proc/self/fd held as fd {}", fdDir);
        return "/proc/self/fd/" + fdDir;
    }

    /**
     * Step 2: makes {@code sharedDir} the root directory of this mount namespace and detaches
     * the old root. Everything to be opened by host path must be open by now.
     */
    static void pivotInto(Path sharedDir) throws ErrnoException {
        String dir = sharedDir.toString();
        if (dir.equals("/")) {
            LOG.debug("sandbox: the shared directory is already the root");
            return;
        }
        // pivot_root needs a mount point; binding the directory onto itself makes one.
        MountCalls.mount(dir, dir, null, MountCalls.MS_BIND | MountCalls.MS_REC);
        int oldRoot = ErrnoException.check(Syscalls.openat(Fcntl.AT_FDCWD, ROOT,
                Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0), "open /");
        try {
            MountCalls.chdir(dir);
            // The old root ends up stacked on the new one; from inside it, it is made a slave (so
            // that unmounting it does not propagate to the host) and detached.
            MountCalls.pivotRoot(".", ".");
            ErrnoException.check(Syscalls.fchdir(oldRoot), "fchdir to the old root");
            MountCalls.mount("none", ".", null, MountCalls.MS_SLAVE | MountCalls.MS_REC);
            MountCalls.umount2(".", MountCalls.MNT_DETACH);
            MountCalls.chdir("/");
        } finally {
            Syscalls.close(oldRoot);
        }
        LOG.debug("sandbox: pivot_root into {}", dir);
    }
}
