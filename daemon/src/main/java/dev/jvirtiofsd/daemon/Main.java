package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.CheckCommand;
import dev.jvirtiofsd.daemon.cli.CommandLineParser;
import dev.jvirtiofsd.daemon.cli.LogLevel;
import java.io.PrintWriter;
import java.util.Arrays;

/** Entry point: parse the command line, run the daemon (or {@code check}), exit with its status. */
public final class Main {
    /** The first argument that makes this run {@code jvirtiofsd check} instead of the daemon. */
    public static final String CHECK = "check";

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        if (args.length > 0 && args[0].equals(CHECK)) {
            Logging.configure(LogLevel.WARN);
            System.exit(CheckCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err));
        }
        CommandLineParser.Result parsed = CommandLineParser.parse(args, out, err);
        if (parsed.shouldExit()) {
            System.exit(parsed.exitStatus());
        }
        Logging.configure(parsed.options().logLevel, parsed.options().syslog);
        System.exit(new Daemon(parsed.options()).run());
    }
}
