package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.sys.Errno;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import dev.jvirtiofsd.daemon.sys.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The daemon's end of the two pipes to bin/namespace-supervisor, which makes the namespace
 * sandbox's mounts for a daemon that does not hold CAP_SYS_ADMIN. The supervisor names the fds in
 * {@link #ENV} ({@code READ_FD,WRITE_FD}); a request is one line, the answer one line, "ok" or
 * "error REASON".
 */
final class SupervisorChannel implements AutoCloseable {
    static final String ENV = "JVIRTIOFSD_SUPERVISOR";
    private static final int PIPE_BUF = 4096;

    private final int readFd;
    private final int writeFd;
    private boolean closed;

    private SupervisorChannel(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** The channel the supervisor set up for this process. */
    static SupervisorChannel inherited() throws IOException {
        return parse(System.getenv(ENV));
    }

    static SupervisorChannel parse(String fds) throws IOException {
        if (fds == null || fds.isBlank()) {
            throw new IOException("--sandbox=namespace: no supervisor (" + ENV + " is not set); "
                    + "start the daemon through bin/jvirtiofsd");
        }
        String[] parts = fds.trim().split(",");
        try {
            if (parts.length == 2) {
                int r = Integer.parseInt(parts[0]);
                int w = Integer.parseInt(parts[1]);
                if (r >= 0 && w >= 0 && r != w) {
                    return new SupervisorChannel(r, w);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(ENV + " must name two fds, READ,WRITE, not '" + fds + "'");
    }

    /** Sends {@code request} and waits for the answer; throws with the supervisor's reason if it is not "ok". */
    void request(String request) throws IOException {
        if (closed) {
            throw new IOException("the supervisor channel is closed");
        }
        byte[] line = (request + "\n").getBytes(StandardCharsets.UTF_8);
        if (line.length > PIPE_BUF) {
            throw new IOException("request too long for the namespace supervisor: " + request);
        }
        // Up to PIPE_BUF bytes, a write to a pipe is all or nothing.
        int n;
        do {
            n = ProcessCalls.write(writeFd, line, line.length);
        } while (n == -Errno.EINTR);
        ErrnoException.check(n, "write to the namespace supervisor");
        String answer = readLine();
        if (answer == null) {
            throw new IOException("the namespace supervisor ended before answering '" + request + "'");
        }
        if (!answer.equals("ok")) {
            throw new IOException("the namespace supervisor could not do '" + request + "': "
                    + (answer.startsWith("error ") ? answer.substring("error ".length()) : answer));
        }
    }

    /** One answer line, without its newline; null at end of file. The supervisor sends nothing unasked. */
    private String readLine() throws ErrnoException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] one = new byte[1];
        while (true) {
            int n = ProcessCalls.read(readFd, one);
            if (n == -Errno.EINTR) {
                continue;
            }
            ErrnoException.check(n, "read from the namespace supervisor");
            if (n == 0) {
                return null;
            }
            if (one[0] == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(one[0]);
        }
    }

    /** Closes both pipe ends: the supervisor then stops taking requests. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Syscalls.close(readFd);
            Syscalls.close(writeFd);
        }
    }
}
