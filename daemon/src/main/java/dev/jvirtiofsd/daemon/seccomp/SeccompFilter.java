package dev.jvirtiofsd.daemon.seccomp;

import dev.jvirtiofsd.daemon.cli.SeccompAction;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.SeccompCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs the daemon's system-call allowlist ({@link SyscallAllowlist}) on every thread of the
 * process, with the {@code --seccomp} action for everything else. Done once, after the sandbox
 * and before the first request is served; threads started later inherit it.
 *
 * <p>Self-test: when the environment variable {@value #SELF_TEST_VARIABLE} is
 * {@value #SELF_TEST_VALUE} at start-up, the daemon makes one system call outside the list
 * (getsid) right after installing the filter, so tests can watch the action happen (an audit
 * record under {@code log}, SIGSYS under {@code kill}). Only whoever starts the daemon sets its
 * environment; nothing a guest sends reaches this.
 */
public final class SeccompFilter {
    private static final Logger LOG = LoggerFactory.getLogger(SeccompFilter.class);

    public static final String SELF_TEST_VARIABLE = "JVIRTIOFSD_SECCOMP_SELF_TEST";
    public static final String SELF_TEST_VALUE = "forbidden-syscall";

    private SeccompFilter() {
    }

    /** The filter program for {@code action}; null for {@link SeccompAction#NONE}. */
    public static byte[] program(SeccompAction action) {
        return program(action, false);
    }

    /** The filter program for {@code action}, allowing what logging to the system log needs when {@code syslog}. */
    public static byte[] program(SeccompAction action, boolean syslog) {
        if (action == SeccompAction.NONE) {
            return null;
        }
        int defaultAction = switch (action) {
            case KILL -> FilterProgram.RET_KILL_PROCESS;
            case LOG -> FilterProgram.RET_LOG;
            case TRAP -> FilterProgram.RET_TRAP;
            case NONE -> throw new AssertionError();
        };
        return FilterProgram.build(SyscallAllowlist.numbers(syslog), defaultAction);
    }

    /**
     * Sets no_new_privs and installs the filter on all threads; nothing for {@code none}.
     *
     * @throws ErrnoException if the kernel refuses (the daemon must then not serve)
     */
    public static void install(SeccompAction action) throws ErrnoException {
        install(action, false);
    }

    /** As {@link #install(SeccompAction)}; with {@code syslog}, log lines go to the system log socket. */
    public static void install(SeccompAction action, boolean syslog) throws ErrnoException {
        boolean selfTest = SELF_TEST_VALUE.equals(System.getenv(SELF_TEST_VARIABLE));
        byte[] program = program(action, syslog);
        if (program == null) {
            LOG.debug("seccomp: no filter (--seccomp=none)");
            return;
        }
        SeccompCalls.setNoNewPrivs();
        SeccompCalls.installFilterOnAllThreads(program);
        LOG.debug("seccomp: {} system calls allowed on every thread, others: {}",
                SyscallAllowlist.numbers(syslog).length, action.name().toLowerCase(java.util.Locale.ROOT));
        if (selfTest) {
            LOG.warn("seccomp self-test ({}={}): calling getsid, which the filter does not allow",
                    SELF_TEST_VARIABLE, SELF_TEST_VALUE);
            long result = SeccompCalls.callGetsid();
            LOG.warn("seccomp self-test: getsid returned {}; still running", result);
        }
    }
}
