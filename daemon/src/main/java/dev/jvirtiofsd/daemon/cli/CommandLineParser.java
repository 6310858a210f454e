package dev.jvirtiofsd.daemon.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Turns argv into {@link Options}: enum values case-insensitive, a repeated option's last value wins. */
public final class CommandLineParser {

    /** Exit status for command-line errors, as the Rust virtiofsd (clap) uses. */
    public static final int USAGE_ERROR = 2;

    /** Outcome of parsing: options to run with, or an exit status after help/version/errors. */
    public record Result(Options options, Integer exitStatus) {
        public boolean shouldExit() {
            return exitStatus != null;
        }
    }

    private CommandLineParser() {
    }

    public static CommandLine newCommandLine(Options options) {
        CommandLine cl = new CommandLine(options);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true);
        cl.setUnmatchedOptionsArePositionalParams(false);
        return cl;
    }

    /**
     * Parses {@code args}; prints help or version to {@code out}, and a one-line reason for a bad
     * command line to {@code err}.
     */
    public static Result parse(String[] args, PrintWriter out, PrintWriter err) {
        Options options = new Options();
        CommandLine cl = newCommandLine(options);
        try {
            cl.parseArgs(args);
        } catch (ParameterException e) {
            err.println("error: " + e.getMessage());
            err.println("For more information, try '--help'.");
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        if (args.length == 0) {
            // As the Rust virtiofsd: no arguments at all prints the help, as an error.
            cl.usage(err);
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(out);
            out.flush();
            return new Result(null, 0);
        }
        if (cl.isVersionHelpRequested()) {
            cl.printVersionHelp(out);
            out.flush();
            return new Result(null, 0);
        }
        String problem = options.validate();
        if (problem != null) {
            err.println("error: " + problem);
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        return new Result(options, null);
    }
}
