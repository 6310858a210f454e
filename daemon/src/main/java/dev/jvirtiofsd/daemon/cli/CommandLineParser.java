package dev.jvirtiofsd.daemon.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns argv into {@link Options}: enum values case-insensitive, a repeated option's last value wins. */
public final class CommandLineParser {

    /** Exit status for command-line errors, as the Rust virtiofsd (clap) uses. */
    public static final int USAGE_ERROR = 2;

    /** The options that conflict with --posix-acl, as clap names them in its message. */
    private static final Map<String, String> TRANSLATION_OPTIONS = Map.of(
            "--translate-uid", "--translate-uid <TRANSLATE_UID>",
            "--translate-gid", "--translate-gid <TRANSLATE_GID>");

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
        String conflict = posixAclConflict(cl.getParseResult());
        if (conflict != null) {
            err.println("error: " + conflict);
            err.println("For more information, try '--help'.");
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        String problem = options.validate();
        if (problem != null) {
            err.println("error: " + problem);
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        return new Result(options, null);
    }

    /**
     * --posix-acl given with --translate-uid or --translate-gid, in the words of the Rust
     * virtiofsd (clap): the one given first "cannot be used with" the other(s). Null if not.
     */
    private static String posixAclConflict(ParseResult parsed) {
        List<String> order = new ArrayList<>();
        for (OptionSpec option : parsed.matchedOptions()) {
            String name = option.longestName();
            if ((name.equals("--posix-acl") || TRANSLATION_OPTIONS.containsKey(name)) && !order.contains(name)) {
                order.add(name);
            }
        }
        if (!order.contains("--posix-acl") || order.size() < 2) {
            return null;
        }
        if (!order.get(0).equals("--posix-acl")) {
            return "the argument '" + TRANSLATION_OPTIONS.get(order.get(0)) + "' cannot be used with '--posix-acl'";
        }
        if (order.size() == 2) {
            return "the argument '--posix-acl' cannot be used with '" + TRANSLATION_OPTIONS.get(order.get(1)) + "'";
        }
        return "the argument '--posix-acl' cannot be used with:\n  " + TRANSLATION_OPTIONS.get(order.get(1))
                + "\n  " + TRANSLATION_OPTIONS.get(order.get(2));
    }
}
