package dev.jvirtiofsd.daemon.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
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

    public static CommandLine newCommandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true);
        cl.setUnmatchedOptionsArePositionalParams(false);
        return cl;
    }

    /**
     * Parses {@code args}, after the arguments of the config file that applies (see {@link
     * ConfigFile}); prints help or version to {@code out}, and a one-line reason for a bad command
     * line to {@code err}.
     */
    public static Result parse(String[] args, PrintWriter out, PrintWriter err) {
        return parse(args, out, err, ConfigFile.directory());
    }

    /** As {@link #parse(String[], PrintWriter, PrintWriter)}, looking config files up in {@code configDir}. */
    public static Result parse(String[] args, PrintWriter out, PrintWriter err, Path configDir) {
        // As the vhost-user backend conventions ask: print the capabilities and exit 0, ignoring
        // every other argument (libvirt probes with this alone, and must never see a failure).
        if (Arrays.asList(args).contains(BackendCapabilities.OPTION)) {
            out.println(BackendCapabilities.json());
            out.flush();
            return new Result(null, 0);
        }
        if (args.length == 0) {
            // As the Rust virtiofsd: no arguments at all prints the help, as an error.
            newCommandLine(new Options()).usage(err);
            err.flush();
            return new Result(null, USAGE_ERROR);
        }
        Parsed<Options> parsed = parseWithConfig(args, Options::new, o -> o, CommandLineParser::newCommandLine, configDir,
                out, err);
        if (parsed.exitStatus() != null) {
            return new Result(null, parsed.exitStatus());
        }
        Options options = parsed.command();
        String conflict = posixAclConflict(parsed.commandLine().getParseResult());
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

    /** A command parsed, config file included, or the exit status after help, version or an error. */
    record Parsed<T>(T command, CommandLine commandLine, Integer exitStatus) {
    }

    /**
     * Parses {@code args} into a fresh {@code factory} object; where a config file applies to the
     * daemon options it holds ({@code daemonOptions}), parses again with the file's arguments
     * first. Help and version are answered from the command line alone.
     */
    static <T> Parsed<T> parseWithConfig(String[] args, Supplier<T> factory, Function<T, Options> daemonOptions,
            Function<Object, CommandLine> commandLines, Path configDir, PrintWriter out, PrintWriter err) {
        T command = factory.get();
        CommandLine cl = commandLines.apply(command);
        if (!parseArgs(cl, args, null, err)) {
            return new Parsed<>(null, null, USAGE_ERROR);
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(out);
            out.flush();
            return new Parsed<>(null, null, 0);
        }
        if (cl.isVersionHelpRequested()) {
            cl.printVersionHelp(out);
            out.flush();
            return new Parsed<>(null, null, 0);
        }
        Options given = daemonOptions.apply(command);
        Path config;
        List<String> configArguments;
        try {
            config = given.config != null ? given.config
                    : sharedDirOf(given) == null ? null : ConfigFile.lookup(configDir, sharedDirOf(given));
            configArguments = config == null ? List.of() : ConfigFile.read(config);
        } catch (ConfigFile.ConfigException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return new Parsed<>(null, null, USAGE_ERROR);
        }
        if (config == null) {
            return new Parsed<>(command, cl, null);
        }
        List<String> all = new ArrayList<>(configArguments);
        all.addAll(List.of(args));
        command = factory.get();
        cl = commandLines.apply(command);
        if (!parseArgs(cl, all.toArray(String[]::new), config, err)) {
            return new Parsed<>(null, null, USAGE_ERROR);
        }
        daemonOptions.apply(command).configFile = config;
        daemonOptions.apply(command).configArguments = configArguments;
        return new Parsed<>(command, cl, null);
    }

    private static boolean parseArgs(CommandLine cl, String[] args, Path config, PrintWriter err) {
        try {
            cl.parseArgs(args);
            return true;
        } catch (ParameterException e) {
            err.println("error: " + e.getMessage() + (config == null ? "" : " (arguments of config file " + config
                    + " included)"));
            err.println("For more information, try '--help'.");
            err.flush();
            return false;
        }
    }

    /** The shared directory the command line names: -o source= over --shared-dir, as the daemon applies them. */
    private static Path sharedDirOf(Options given) {
        Path source = CompatOptions.source(given.compatOptions);
        return source != null ? source : given.sharedDir;
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
