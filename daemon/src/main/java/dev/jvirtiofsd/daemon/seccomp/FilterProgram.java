package dev.jvirtiofsd.daemon.seccomp;

import dev.jvirtiofsd.daemon.sys.SeccompCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A classic-BPF seccomp program that allows a set of x86-64 system call numbers and answers every
 * other call with one default action:
 *
 * <pre>
 *   0      ld  [arch]
 *   1      jeq AUDIT_ARCH_X86_64, +1       ; another ABI (i386 int 0x80): kill
 *   2      ret KILL_PROCESS
 *   3      ld  [nr]
 *   4      jge X32_SYSCALL_BIT, default    ; the x32 ABI shares the arch value: refused
 *   5..    jeq nr_i, allow                 ; one per allowed number, ascending
 *   n+5    ret default
 *   n+6    ret ALLOW
 * </pre>
 *
 * The filter depends on nothing but arch and nr, so the kernel's per-syscall action cache
 * answers allowed calls without running it.
 */
public final class FilterProgram {
    // linux/bpf_common.h
    static final int BPF_LD = 0x00;
    static final int BPF_JMP = 0x05;
    static final int BPF_RET = 0x06;
    static final int BPF_W = 0x00;
    static final int BPF_ABS = 0x20;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JGE = 0x30;
    static final int BPF_K = 0x00;

    // linux/seccomp.h: offsets in struct seccomp_data, and the actions
    static final int DATA_NR = 0;
    static final int DATA_ARCH = 4;
    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_TRAP = 0x00030000;
    public static final int RET_LOG = 0x7ffc0000;
    public static final int RET_ALLOW = 0x7fff0000;

    /** linux/audit.h: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE */
    public static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    /** asm/unistd.h: x32 system calls are the x86-64 numbers with this bit set. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    /** Instructions before the first comparison. */
    private static final int PROLOGUE = 5;
    /** A jump offset is one unsigned byte. */
    private static final int MAX_JUMP = 255;

    private FilterProgram() {
    }

    /**
     * @param allowed system call numbers to allow (duplicates are ignored)
     * @param defaultAction SECCOMP_RET_* for every other call
     * @return the struct sock_filter array in native byte order
     */
    public static byte[] build(int[] allowed, int defaultAction) {
        int[] numbers = Arrays.stream(allowed).distinct().sorted().toArray();
        int n = numbers.length;
        if (n == 0 || n > MAX_JUMP) {
            throw new IllegalArgumentException("cannot encode " + n + " allowed system calls in one jump range");
        }
        if (numbers[0] < 0 || numbers[n - 1] >= X32_SYSCALL_BIT) {
            throw new IllegalArgumentException("not an x86-64 system call number");
        }
        ByteBuffer program = ByteBuffer.allocate((PROLOGUE + n + 2) * SeccompCalls.SOCK_FILTER_SIZE)
                .order(ByteOrder.nativeOrder());
        statement(program, BPF_LD | BPF_W | BPF_ABS, DATA_ARCH);
        jump(program, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
        statement(program, BPF_RET | BPF_K, RET_KILL_PROCESS);
        statement(program, BPF_LD | BPF_W | BPF_ABS, DATA_NR);
        jump(program, BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, n, 0);
        for (int i = 0; i < n; i++) {
            // From instruction PROLOGUE+i, the allow return is n-i instructions further on.
            jump(program, BPF_JMP | BPF_JEQ | BPF_K, numbers[i], n - i, 0);
        }
        statement(program, BPF_RET | BPF_K, defaultAction);
        statement(program, BPF_RET | BPF_K, RET_ALLOW);
        return program.array();
    }

    private static void statement(ByteBuffer program, int code, int k) {
        jump(program, code, k, 0, 0);
    }

    private static void jump(ByteBuffer program, int code, int k, int jt, int jf) {
        program.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
