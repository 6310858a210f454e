package dev.jvirtiofsd.daemon.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.sys.HeaderConstants;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyscallAllowlistTest {

    @Test
    void everyNumberIsTheHeadersNumberForItsName() throws Exception {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")));
        for (Map.Entry<String, Integer> e : SyscallAllowlist.byName().entrySet()) {
            assertEquals(h.value("__NR_" + e.getKey()), Long.valueOf(e.getValue()), e.getKey());
        }
    }

    @Test
    void sendtoIsAllowedWithSyslogOnly() throws Exception {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")));
        assertEquals(Map.of("sendto", h.value("__NR_sendto").intValue()), SyscallAllowlist.forSyslog());
        int sendto = SyscallAllowlist.forSyslog().get("sendto");
        assertFalse(java.util.Arrays.stream(SyscallAllowlist.numbers()).anyMatch(n -> n == sendto));
        assertFalse(java.util.Arrays.stream(SyscallAllowlist.numbers(false)).anyMatch(n -> n == sendto));
        assertTrue(java.util.Arrays.stream(SyscallAllowlist.numbers(true)).anyMatch(n -> n == sendto));
        assertEquals(SyscallAllowlist.numbers().length + 1, SyscallAllowlist.numbers(true).length);
    }

    @Test
    void whatAnEscapedGuestWouldWantIsNotThere() {
        // Running programs, new network or mount access, tracing or loading code into the kernel,
        // joining namespaces, signalling other processes, and the self-test's getsid.
        for (String name : List.of("execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv",
                "process_vm_writev", "socket", "connect", "bind", "listen", "accept", "accept4", "sendto",
                "mount", "umount2", "pivot_root", "chroot", "setns", "open_tree", "move_mount", "fsopen",
                "init_module", "finit_module", "bpf", "perf_event_open", "kexec_load", "keyctl", "add_key",
                "userfaultfd", "io_uring_setup", "kill", "pidfd_send_signal", "seccomp", "setuid", "setgid",
                "getsid", "reboot", "memfd_create", "open", "rename", "mkdir", "chmod", "chown")) {
            assertFalse(SyscallAllowlist.byName().containsKey(name), name);
        }
    }

    @Test
    void theDaemonsOwnCallsAreThere() {
        for (String name : List.of("openat", "openat2", "name_to_handle_at", "open_by_handle_at", "preadv2",
                "pwritev2", "recvmsg", "sendmsg", "epoll_wait",
                "setresuid", "setresgid", "unshare", "futex", "mmap", "rt_sigreturn", "exit_group")) {
            assertTrue(SyscallAllowlist.byName().containsKey(name), name);
        }
    }
}
