package dev.jvirtiofsd.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import dev.jvirtiofsd.daemon.cli.UserNamespaceMap;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace sandbox's own checks, on fake namespace links, and the form of the supervisor
 * channel. The mounts are the supervisor's (integration-tests: NamespaceSupervisorTest) and the
 * whole sandbox is seen from outside in integration-tests' NamespaceSandboxTest.
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

    @Test
    void theSupervisorChannelNamesTwoFds() throws Exception {
        // Parsing touches no fd (closing would close this JVM's fds 5 and 6).
        assertNotNull(SupervisorChannel.parse(" 5,6 "));
        for (String bad : new String[] {null, "", " ", "5", "5,5", "a,6", "5,6,7", "-1,6"}) {
            IOException e = assertThrows(IOException.class, () -> SupervisorChannel.parse(bad), String.valueOf(bad));
            assertTrue(e.getMessage().contains(SupervisorChannel.ENV), e.getMessage());
        }
    }

    @Test
    void thisTestJvmHasNoSupervisor() {
        IOException e = assertThrows(IOException.class, SupervisorChannel::inherited);
        assertTrue(e.getMessage().contains("bin/jvirtiofsd"), e.getMessage());
    }

    @Test
    void theUserNamespaceMustMapWhatTheOptionsSay() throws Exception {
        Path map = Files.writeString(tmp.resolve("uid_map"), "         0       1000          1\n"
                + "         1     100000      65536\n");
        NamespaceSandbox.verifyIdMap("--uid-map", List.of(), map);
        NamespaceSandbox.verifyIdMap("--uid-map",
                List.of(new UserNamespaceMap(1, 100000, 65536), new UserNamespaceMap(0, 1000, 1)), map);
        IOException e = assertThrows(IOException.class, () -> NamespaceSandbox.verifyIdMap("--uid-map",
                List.of(new UserNamespaceMap(0, 1000, 1)), map));
        assertTrue(e.getMessage().contains("--uid-map"), e.getMessage());
        Path initial = Files.writeString(tmp.resolve("initial"), "         0          0 4294967295\n");
        assertThrows(IOException.class, () -> NamespaceSandbox.verifyIdMap("--gid-map",
                List.of(new UserNamespaceMap(0, 1000, 1)), initial));
    }
}
