package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.CommandLineParser;
import java.io.PrintWriter;

/** Entry point: parse the command line, run the daemon, exit with its status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        CommandLineParser.Result parsed = CommandLineParser.parse(args, out, err);
        if (parsed.shouldExit()) {
            System.exit(parsed.exitStatus());
        }
        Logging.configure(parsed.options().logLevel);
        System.exit(new Daemon(parsed.options()).run());
    }
}
