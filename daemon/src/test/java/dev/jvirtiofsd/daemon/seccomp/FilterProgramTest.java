package dev.jvirtiofsd.daemon.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.cli.SeccompAction;
import dev.jvirtiofsd.daemon.sys.HeaderConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The BPF program, run by a small interpreter of the instructions it uses, and its constants
 * against the installed kernel headers.
 */
class FilterProgramTest {
    static final int READ = 0;
    static final int GETSID = 124;
    static final int EXECVE = 59;
    static final int AUDIT_ARCH_I386 = 0x40000003;

    /** Runs a classic-BPF seccomp program over (arch, nr), as the kernel would. */
    static int run(byte[] program, int arch, int nr) {
        ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        int count = program.length / 8;
        int accumulator = 0;
        int pc = 0;
        for (int steps = 0; steps <= count; steps++) {
            assertTrue(pc >= 0 && pc < count, "pc " + pc + " inside the program");
            int code = b.getShort(pc * 8) & 0xffff;
            int jt = b.get(pc * 8 + 2) & 0xff;
            int jf = b.get(pc * 8 + 3) & 0xff;
            int k = b.getInt(pc * 8 + 4);
            switch (code) {
                case FilterProgram.BPF_LD | FilterProgram.BPF_W | FilterProgram.BPF_ABS:
                    accumulator = k == FilterProgram.DATA_ARCH ? arch : k == FilterProgram.DATA_NR ? nr : fail(k);
                    pc++;
                    break;
                case FilterProgram.BPF_JMP | FilterProgram.BPF_JEQ | FilterProgram.BPF_K:
                    pc += 1 + (accumulator == k ? jt : jf);
                    break;
                case FilterProgram.BPF_JMP | FilterProgram.BPF_JGE | FilterProgram.BPF_K:
                    pc += 1 + (Integer.compareUnsigned(accumulator, k) >= 0 ? jt : jf);
                    break;
                case FilterProgram.BPF_RET | FilterProgram.BPF_K:
                    return k;
                default:
                    throw new AssertionError("unexpected instruction " + code);
            }
        }
        throw new AssertionError("the program does not end");
    }

    private static int fail(int offset) {
        throw new AssertionError("load from offset " + offset);
    }

    @Test
    void allowedCallsPassAndOthersGetTheDefaultAction() {
        byte[] program = FilterProgram.build(new int[] {READ, 1, 3, 1}, FilterProgram.RET_LOG);
        for (int nr : new int[] {READ, 1, 3}) {
            assertEquals(FilterProgram.RET_ALLOW, run(program, FilterProgram.AUDIT_ARCH_X86_64, nr), "nr " + nr);
        }
        for (int nr : new int[] {2, 4, EXECVE, 1000, -1}) {
            assertEquals(FilterProgram.RET_LOG, run(program, FilterProgram.AUDIT_ARCH_X86_64, nr), "nr " + nr);
        }
    }

    @Test
    void everyListedCallIsAllowedAndNothingElseUpToTheHighestNumber() {
        byte[] program = SeccompFilter.program(SeccompAction.KILL);
        List<Integer> allowed = List.copyOf(SyscallAllowlist.byName().values());
        for (int nr = 0; nr < 600; nr++) {
            int expected = allowed.contains(nr) ? FilterProgram.RET_ALLOW : FilterProgram.RET_KILL_PROCESS;
            assertEquals(expected, run(program, FilterProgram.AUDIT_ARCH_X86_64, nr), "nr " + nr);
        }
    }

    @Test
    void otherArchitecturesAndTheX32AbiAreRefused() {
        byte[] program = SeccompFilter.program(SeccompAction.LOG);
        // int 0x80 from a 64-bit process reports the i386 arch: killed whatever the option says.
        assertEquals(FilterProgram.RET_KILL_PROCESS, run(program, AUDIT_ARCH_I386, READ));
        // x32 calls carry the x86-64 arch and the x32 bit.
        assertEquals(FilterProgram.RET_LOG,
                run(program, FilterProgram.AUDIT_ARCH_X86_64, FilterProgram.X32_SYSCALL_BIT | READ));
        assertEquals(FilterProgram.RET_ALLOW, run(program, FilterProgram.AUDIT_ARCH_X86_64, READ));
    }

    @Test
    void eachOptionHasItsDefaultActionAndNoneHasNoProgram() {
        assertEquals(null, SeccompFilter.program(SeccompAction.NONE));
        assertEquals(FilterProgram.RET_KILL_PROCESS,
                run(SeccompFilter.program(SeccompAction.KILL), FilterProgram.AUDIT_ARCH_X86_64, GETSID));
        assertEquals(FilterProgram.RET_LOG,
                run(SeccompFilter.program(SeccompAction.LOG), FilterProgram.AUDIT_ARCH_X86_64, GETSID));
        assertEquals(FilterProgram.RET_TRAP,
                run(SeccompFilter.program(SeccompAction.TRAP), FilterProgram.AUDIT_ARCH_X86_64, GETSID));
    }

    @Test
    void moreCallsThanOneJumpReachesAreRejected() {
        int[] many = new int[256];
        for (int i = 0; i < many.length; i++) {
            many[i] = i;
        }
        assertThrows(IllegalArgumentException.class, () -> FilterProgram.build(many, FilterProgram.RET_LOG));
        assertThrows(IllegalArgumentException.class, () -> FilterProgram.build(new int[0], FilterProgram.RET_LOG));
    }

    @Test
    void constantsMatchTheKernelHeaders() throws Exception {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/linux/seccomp.h"),
                Path.of("/usr/include/linux/bpf_common.h"), Path.of("/usr/include/linux/audit.h"),
                Path.of("/usr/include/linux/elf-em.h"), Path.of("/usr/include/x86_64-linux-gnu/asm/unistd.h")));
        assertEquals(h.value("SECCOMP_RET_KILL_PROCESS"), FilterProgram.RET_KILL_PROCESS & 0xffffffffL);
        assertEquals(h.value("SECCOMP_RET_TRAP"), (long) FilterProgram.RET_TRAP);
        assertEquals(h.value("SECCOMP_RET_LOG"), (long) FilterProgram.RET_LOG);
        assertEquals(h.value("SECCOMP_RET_ALLOW"), (long) FilterProgram.RET_ALLOW);
        assertEquals(h.value("BPF_LD"), (long) FilterProgram.BPF_LD);
        assertEquals(h.value("BPF_JMP"), (long) FilterProgram.BPF_JMP);
        assertEquals(h.value("BPF_RET"), (long) FilterProgram.BPF_RET);
        assertEquals(h.value("BPF_W"), (long) FilterProgram.BPF_W);
        assertEquals(h.value("BPF_ABS"), (long) FilterProgram.BPF_ABS);
        assertEquals(h.value("BPF_JEQ"), (long) FilterProgram.BPF_JEQ);
        assertEquals(h.value("BPF_JGE"), (long) FilterProgram.BPF_JGE);
        assertEquals(h.value("BPF_K"), (long) FilterProgram.BPF_K);
        assertEquals(h.value("AUDIT_ARCH_X86_64"), FilterProgram.AUDIT_ARCH_X86_64 & 0xffffffffL);
        assertEquals(h.value("__X32_SYSCALL_BIT"), (long) FilterProgram.X32_SYSCALL_BIT);
    }
}
