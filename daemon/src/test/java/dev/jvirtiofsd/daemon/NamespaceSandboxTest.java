package dev.jvirtiofsd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.sys.Fcntl;
import dev.jvirtiofsd.daemon.sys.MountCalls;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace sandbox's own steps. The check of the launcher's claim runs on fake namespace
 * links; the mounts and pivot_root run for real, on a thread with a mount namespace of its own
 * (namespaces and root directories belong to threads), so the test JVM's other threads and the
 * host keep their view.
 */
class NamespaceSandboxTest {
    @TempDir
    Path tmp;

    private Path fakeNamespaces(String mnt, String pid, String net) throws IOException {
        Path ns = Files.createDirectory(tmp.resolve("ns"));
        Files.createSymbolicLink(ns.resolve("mnt"), Path.of(mnt));
        Files.createSymbolicLink(ns.resolve("pid"), Path.of(pid));
        Files.createSymbolicLink(ns.resolve("net"), Path.of(net));
        return ns;
    }

    @Test
    void namespacesOtherThanTheLaunchersPass() throws Exception {
        Path own = fakeNamespaces("mnt:[11]", "pid:[12]", "net:[13]");
        NamespaceSandbox.verify("mnt:[1] pid:[2] net:[3] ", own);
    }

    @Test
    void anyNamespaceStillTheLaunchersFails() throws Exception {
        Path own = fakeNamespaces("mnt:[11]", "pid:[2]", "net:[13]");
        IOException e = assertThrows(IOException.class, () -> NamespaceSandbox.verify("mnt:[1]\npid:[2]\nnet:[3]", own));
        assertTrue(e.getMessage().contains("still in the launcher's pid namespace"), e.getMessage());
    }

    @Test
    void noClaimOrAnIncompleteOneFails() throws Exception {
        Path own = fakeNamespaces("mnt:[11]", "pid:[12]", "net:[13]");
        IOException none = assertThrows(IOException.class, () -> NamespaceSandbox.verify(null, own));
        assertTrue(none.getMessage().contains("bin/jvirtiofsd"), none.getMessage());
        IOException partial = assertThrows(IOException.class, () -> NamespaceSandbox.verify("mnt:[1] pid:[2]", own));
        assertTrue(partial.getMessage().contains("no net namespace"), partial.getMessage());
    }

    @Test
    void thisTestJvmIsNotInTheLaunchersNamespaces() {
        assertFalse(NamespaceSandbox.enteredByLauncher(), "the variable is the launcher's alone");
    }

    /** What the sandboxed thread saw, checked on the test thread. */
    private static final class Seen {
        Throwable failure;
        boolean markerAtRoot;
        boolean hostPathVisible;
        String procPath;
        int reopenedAfterPivot = -1;
    }

    @Test
    void privateProcAndPivotRootOnAThreadWithItsOwnMountNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts need root");
        Path share = Files.createDirectory(tmp.resolve("share"));
        Files.writeString(share.resolve("marker"), "inside");
        Path outside = Files.writeString(tmp.resolve("outside"), "outside");
        Seen seen = new Seen();
        byte[] markerName = "marker".getBytes(StandardCharsets.UTF_8);
        Thread sandboxed = new Thread(() -> {
            try {
                MountCalls.unshare(MountCalls.CLONE_NEWNS);
                seen.procPath = NamespaceSandbox.privateProcSelfFd();
                try (ProcSelfFd proc = ProcSelfFd.open(seen.procPath)) {
                    int marker = Syscalls.openat(Fcntl.AT_FDCWD, share.resolve("marker").toString()
                            .getBytes(StandardCharsets.UTF_8), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
                    int before = proc.reopen(marker, Fcntl.O_RDONLY);
                    Syscalls.close(before);
                    NamespaceSandbox.pivotInto(share);
                    seen.markerAtRoot = new File("/marker").exists();
                    seen.hostPathVisible = new File(outside.toString()).exists();
                    // The held fd directory still names this process's fds after the old root is gone.
                    seen.reopenedAfterPivot = proc.reopen(marker, Fcntl.O_RDONLY);
                    Syscalls.close(seen.reopenedAfterPivot);
                    Syscalls.close(marker);
                }
            } catch (Throwable t) {
                seen.failure = t;
            }
        }, "sandboxed-test-thread");
        sandboxed.start();
        sandboxed.join();
        assertNull(seen.failure, () -> "sandbox steps failed: " + seen.failure);
        assertTrue(seen.procPath.startsWith("/proc/self/fd/"), seen.procPath);
        assertTrue(seen.markerAtRoot, "the shared directory is the thread's root");
        assertFalse(seen.hostPathVisible, "the host's tree is gone from the thread's view");
        assertTrue(seen.reopenedAfterPivot >= 0, "reopen through the private /proc: " + seen.reopenedAfterPivot);
        // The rest of the JVM, and the host, kept their view.
        assertEquals("outside", Files.readString(outside));
        assertTrue(Files.exists(Path.of("/proc/self/status")), "the host's /proc is untouched");
        assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).lines()
                .noneMatch(l -> l.contains(" " + share + " ")), "no mount leaked to the host's namespace");
    }

    @Test
    void mountFlagsMatchTheKernelHeader() throws IOException {
        String header = Files.readString(Path.of("/usr/include/linux/mount.h"));
        assertTrue(header.matches("(?s).*#define MS_BIND\\s+4096.*"));
        assertTrue(header.matches("(?s).*#define MS_REC\\s+16384.*"));
        assertTrue(header.matches("(?s).*#define MS_SLAVE\\s+\\(1<<19\\).*"));
        assertTrue(header.matches("(?s).*#define MS_RELATIME\\s+\\(1<<21\\).*"));
        assertTrue(header.matches("(?s).*#define OPEN_TREE_CLONE\\s+1\\b.*"));
        assertEquals(4096, MountCalls.MS_BIND);
        assertEquals(16384, MountCalls.MS_REC);
        assertEquals(1 << 19, MountCalls.MS_SLAVE);
        assertEquals(1 << 21, MountCalls.MS_RELATIME);
        assertEquals(1, MountCalls.OPEN_TREE_CLONE);
        String unistd = Files.readString(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"));
        assertTrue(unistd.contains("#define __NR_pivot_root 155"));
        assertTrue(unistd.contains("#define __NR_open_tree 428"));
    }
}
