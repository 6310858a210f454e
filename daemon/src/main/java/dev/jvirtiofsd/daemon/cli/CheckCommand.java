package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.check.CheckSetup;
import dev.jvirtiofsd.daemon.check.HostCheck;
import dev.jvirtiofsd.daemon.check.Report;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jvirtiofsd check}: the host setup of a share, checked. Takes every daemon option (and
 * the same config file), so the daemon's own command line can be checked as it is; those that no
 * check looks at (the socket, the cache policy...) are accepted and not used.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Inspect the host setup of a share and print each problem with its fix: the shared "
                + "directory, the guest user's access to it (after --translate-uid/--translate-gid), its parents' "
                + "permissions, the filesystem and mount holding it (root filesystem, nosuid, nodev, file handles, "
                + "extended attributes), and a libvirt domain's memory backing and virtiofs binary. Starts no daemon.",
                "Prints 'ok:' for what passed, 'note:' for what matters only with other options, and 'problem:' with "
                        + "'fix:' for each problem. Exit status 0 without problems, 1 with, 2 for a bad command line. "
                        + "Run it as the user the daemon will run as, with the daemon's options."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:no problem found", "1:problems found", "2:bad command line"})
public final class CheckCommand {
    @Option(names = "--guest-uid", paramLabel = "UID",
            description = "The uid of the guest user who uses the share (id -u in the guest); with --guest-gid")
    Integer guestUid;

    @Option(names = "--guest-gid", paramLabel = "GID",
            description = "The gid of that guest user (id -g in the guest); with --guest-uid")
    Integer guestGid;

    @Option(names = "--domain-xml", paramLabel = "FILE",
            description = "A libvirt domain definition (virsh dumpxml DOMAIN > FILE) to check as well")
    Path domainXml;

    @Mixin
    Options daemon = new Options();

    /** Parses {@code args} (those after "check"), runs the checks, prints the report: the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, ConfigFile.directory());
    }

    static int run(String[] args, PrintWriter out, PrintWriter err, Path configDir) {
        CommandLineParser.Parsed<CheckCommand> parsed = CommandLineParser.parseWithConfig(args, CheckCommand::new,
                c -> c.daemon, CheckCommand::newCommandLine, configDir, out, err);
        if (parsed.exitStatus() != null) {
            return parsed.exitStatus();
        }
        CheckCommand command = parsed.command();
        String problem = command.validate();
        if (problem != null) {
            err.println("error: " + problem);
            err.println("For more information, try 'check --help'.");
            err.flush();
            return CommandLineParser.USAGE_ERROR;
        }
        if (command.daemon.configFile != null) {
            out.println("config: " + command.daemon.configFile + " (its arguments before the command line's)");
        }
        Report report = HostCheck.run(command.setup());
        report.print(out);
        return report.exitStatus();
    }

    /** A command line for {@code command} that names itself "jvirtiofsd check" in its help. */
    static picocli.CommandLine newCommandLine(Object command) {
        picocli.CommandLine cl = CommandLineParser.newCommandLine(command);
        cl.getCommandSpec().name("jvirtiofsd " + cl.getCommandSpec().name());
        return cl;
    }

    private String validate() {
        String compat = daemon.applyCompatAndImplied();
        if (compat != null) {
            return compat;
        }
        if (daemon.sharedDir == null && domainXml == null) {
            return "give the share to check with --shared-dir (and/or a domain with --domain-xml)";
        }
        if ((guestUid == null) != (guestGid == null)) {
            return "--guest-uid and --guest-gid go together";
        }
        if (guestUid != null && (guestUid < 0 || guestGid < 0)) {
            return "--guest-uid and --guest-gid are ids of 0 or more";
        }
        return null;
    }

    private CheckSetup setup() {
        String launcher = System.getenv("JVIRTIOFSD_LAUNCHER");
        return new CheckSetup(daemon.sharedDir, guestUid, guestGid, domainXml, daemon, ProcessCalls.effectiveUid(),
                System.getProperty("user.name"), launcher == null || launcher.isEmpty() ? null : launcher);
    }
}
