package dev.jvirtiofsd.daemon.seccomp;

import dev.jvirtiofsd.daemon.cli.SeccompAction;
import dev.jvirtiofsd.daemon.sys.SeccompCalls;

/**
 * A JVM of its own for {@link SeccompInstallTest} (a filter cannot be taken back, so the test JVM
 * must not install one): installs the filter with the action in args[0], reports what the
 * threads see, starts and joins a thread, and exits.
 */
public final class SeccompChild {
    private SeccompChild() {
    }

    public static void main(String[] args) throws Exception {
        SeccompFilter.install(SeccompAction.valueOf(args[0]));
        StringBuilder report = new StringBuilder();
        report.append("mode=").append(SeccompCalls.seccompMode()).append(" nnp=").append(SeccompCalls.noNewPrivs());
        Thread later = new Thread(() -> {
            try {
                report.append(" new-thread-mode=").append(SeccompCalls.seccompMode());
            } catch (Exception e) {
                report.append(" new-thread-error=").append(e.getMessage());
            }
        });
        later.start();
        later.join();
        System.out.println(report);
        System.out.flush();
        System.exit(0);
    }
}
