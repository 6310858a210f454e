package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.UserNamespaceMap;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import dev.jvirtiofsd.daemon.sys.Stat;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --sandbox=namespace}: the daemon in new mount, pid and network namespaces, with the
 * shared directory as its root and nothing of /proc but its own fd directory.
 *
 * <p>Namespaces and capabilities belong to threads and a JVM has many before {@code main} runs,
 * so the launcher (bin/jvirtiofsd) enters the namespaces with util-linux {@code unshare} and
 * starts the JVM with only the capabilities it keeps, under a supervisor
 * (bin/namespace-supervisor) that makes the mounts this daemon cannot. The launcher says so in
 * {@link #OUTER_NAMESPACES_ENV}: the namespace links it had before. The daemon checks it really
 * is elsewhere ({@link #verify}), then asks the supervisor for two steps:
 * <ol>
 * <li>{@link #privateProcSelfFd}, before the filesystem is built: its own fd directory (of the
 * procfs of the new pid namespace, where the JVM is PID 1) bound over /proc, which the filesystem
 * then holds open for its magic-link calls; ".." stays at a mount's root, so nothing else of
 * /proc is reachable from it;</li>
 * <li>{@link #pivotInto}, once the frontend is connected and the socket file removed (it lies
 * outside the new root): the shared directory made the root with pivot_root and the old root
 * detached, so ".." and absolute symlinks end inside the share.</li>
 * </ol>
 * The mounts never reach the host: the launcher makes every mount a slave.
 */
final class NamespaceSandbox {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceSandbox.class);

    /** Set by bin/jvirtiofsd when it entered new namespaces: its own mnt, pid and net links before. */
    static final String OUTER_NAMESPACES_ENV = "JVIRTIOFSD_OUTER_NAMESPACES";

    /** The namespaces the launcher leaves and the daemon checks. */
    static final List<String> KINDS = List.of("mnt", "pid", "net");

    private static final byte[] ROOT = {'/'};
    private static final String PROC = "/proc";

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
     * Fails unless the user namespace maps {@code uidMaps} and {@code gidMaps} (as the supervisor
     * was told to by the launcher), when any were given.
     */
    static void verifyIdMaps(List<UserNamespaceMap> uidMaps, List<UserNamespaceMap> gidMaps) throws IOException {
        verifyIdMap("--uid-map", uidMaps, Path.of("/proc/self/uid_map"));
        verifyIdMap("--gid-map", gidMaps, Path.of("/proc/self/gid_map"));
    }

    static void verifyIdMap(String option, List<UserNamespaceMap> maps, Path procMap) throws IOException {
        if (maps.isEmpty()) {
            return;
        }
        Set<String> expected = maps.stream().map(UserNamespaceMap::procLine).collect(Collectors.toSet());
        Set<String> actual = Files.readAllLines(procMap).stream().map(l -> l.trim().replaceAll("\\s+", " "))
                .filter(l -> !l.isEmpty()).collect(Collectors.toSet());
        if (!expected.equals(actual)) {
            throw new IOException("--sandbox=namespace: the user namespace does not map " + option + " "
                    + expected + " but " + actual + "; start the daemon through bin/jvirtiofsd");
        }
    }

    /**
     * Step 1: has the supervisor bind this process's fd directory over /proc, and returns the
     * path to open it by ({@code /proc}; open it before {@link #pivotInto}). Nothing here reads
     * /proc after this: the namespace and limit checks are done before it.
     */
    static String privateProcSelfFd(SupervisorChannel supervisor) throws IOException {
        supervisor.request("proc-fd");
        LOG.debug("sandbox: /proc is now this process's fd directory");
        return PROC;
    }

    /**
     * Step 2: has the supervisor make {@code sharedDir} the root of this mount namespace and
     * detach the old root, then checks the result: the root is the directory that was at
     * {@code sharedDir}. Everything to be opened by host path must be open by now.
     */
    static void pivotInto(SupervisorChannel supervisor, Path sharedDir) throws IOException {
        String dir = sharedDir.toString();
        Stat expected = new Stat();
        ErrnoException.check(Syscalls.statx(Fcntl.AT_FDCWD, dir.getBytes(StandardCharsets.UTF_8),
                0, Syscalls.STATX_BASIC_STATS, expected), "stat " + dir);
        // pivot_root moves the working directory of every process whose working directory is the
        // old root; the daemon's must not stay behind in the detached tree.
        ProcessCalls.chdir("/");
        supervisor.request("root " + dir);
        ProcessCalls.chdir("/");
        Stat root = new Stat();
        ErrnoException.check(Syscalls.statx(Fcntl.AT_FDCWD, ROOT, 0, Syscalls.STATX_BASIC_STATS, root), "stat /");
        if (root.dev() != expected.dev() || root.ino != expected.ino) {
            throw new IOException("--sandbox=namespace: after pivot_root the root is not " + dir);
        }
        LOG.debug("sandbox: pivot_root into {}", dir);
    }
}
