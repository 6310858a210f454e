package dev.jvirtiofsd.daemon.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man page and the bash completion script, made from the command-line model at build time
 * ({@code mvn package} runs {@link #main}), so both always list the options the daemon has:
 * {@code share/man/man1/jvirtiofsd.1} and {@code share/bash-completion/completions/jvirtiofsd}
 * under the given directory.
 */
public final class Documentation {
    static final Path MAN_PAGE = Path.of("share/man/man1/jvirtiofsd.1");
    static final Path COMPLETION = Path.of("share/bash-completion/completions/jvirtiofsd");

    private Documentation() {
    }

    /** Arguments: the output directory and the version the man page names. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Documentation OUTPUT_DIRECTORY VERSION");
            System.exit(2);
        }
        writeAll(Path.of(args[0]), args[1]);
    }

    /** Writes the man page and the completion script under {@code dir}. */
    static void writeAll(Path dir, String version) throws IOException {
        CommandLine model = model();
        write(dir.resolve(MAN_PAGE), manPage(model, version));
        write(dir.resolve(COMPLETION), AutoComplete.bash("jvirtiofsd", model));
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** The daemon's command with {@code check} as a subcommand, as the man page and the completion present them. */
    static CommandLine model() {
        CommandLine model = CommandLineParser.newCommandLine(new Options());
        model.addSubcommand("check", CommandLineParser.newCommandLine(new CheckCommand()));
        return model;
    }

    /** The man page, in man(7) macros. */
    static String manPage(CommandLine model, String version) {
        CommandSpec daemon = model.getCommandSpec();
        CommandSpec check = model.getSubcommands().get("check").getCommandSpec();
        StringBuilder m = new StringBuilder();
        m.append(".\\\" Made from the command-line model by dev.jvirtiofsd.daemon.cli.Documentation; do not edit.\n");
        m.append(".TH JVIRTIOFSD 1 \"\" \"jvirtiofsd ").append(escape(version)).append("\" \"User Commands\"\n");
        m.append(".SH NAME\njvirtiofsd \\- virtio-fs daemon: serves a host directory to a QEMU guest\n");
        m.append(".SH SYNOPSIS\n.B jvirtiofsd\n\\-\\-shared\\-dir=\\fIDIR\\fR (\\-\\-socket\\-path=\\fIPATH\\fR | "
                + "\\-\\-fd=\\fIN\\fR) [\\fIOPTION\\fR]...\n.br\n.B jvirtiofsd check\n\\-\\-shared\\-dir=\\fIDIR\\fR "
                + "[\\-\\-guest\\-uid=\\fIUID\\fR \\-\\-guest\\-gid=\\fIGID\\fR] [\\-\\-domain\\-xml=\\fIFILE\\fR] "
                + "[\\fIOPTION\\fR]...\n");
        m.append(".SH DESCRIPTION\n");
        m.append(paragraph(String.join(" ", daemon.usageMessage().description())));
        m.append(paragraph("QEMU hands the device's virtqueues and the guest's memory to the daemon over a vhost-user "
                + "Unix socket; the guest mounts the share with mount -t virtiofs TAG /mnt. The guest's memory must be "
                + "shared (QEMU: -object memory-backend-memfd,id=mem,size=SIZE,share=on -numa node,memdev=mem; "
                + "libvirt: <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>). The daemon "
                + "serves one connection and exits with status 0 when the frontend goes away."));
        m.append(paragraph("bin/jvirtiofsd starts the daemon: it decides the sandbox, the capabilities and the "
                + "open-file limit before the JVM starts, and passes every argument and inherited file descriptor on."));
        m.append(".SH OPTIONS\n");
        options(m, daemon, List.of());
        m.append(".SH COMMANDS\n.SS jvirtiofsd check\n");
        for (String line : check.usageMessage().description()) {
            m.append(paragraph(line));
        }
        m.append(paragraph("It takes every option above as well (and reads the same config file), so the daemon's "
                + "own command line can be checked; those that no check looks at are accepted and not used. Options "
                + "of check alone:"));
        options(m, check, daemon.options());
        m.append(".SH CONFIG FILES\n");
        m.append(paragraph("A config file holds command-line arguments, one per line, e.g. "
                + "--translate-uid=map:1000:200:1. Leading and trailing blanks are dropped; blank lines and lines "
                + "starting with # are skipped. Its arguments go before those of the command line: the command line "
                + "wins for an option with one value and adds to a repeatable one."));
        m.append(paragraph("--config FILE names the file. Without it, the daemon reads the one file "
                + ConfigFile.DEFAULT_DIRECTORY + "/*.conf whose --shared-dir= line names the same directory (same real "
                + "path) as the command line's --shared-dir or -o source=; none if no file does, an error if more than "
                + "one does. This lets options that libvirt's domain XML cannot express reach a daemon libvirt starts, "
                + "without a wrapper script."));
        m.append(".SH ENVIRONMENT\n");
        m.append(".TP\n.B JAVA_HOME\nThe JDK to run (default: the java on the PATH).\n");
        m.append(".TP\n.B JVIRTIOFSD_JAVA_OPTS\nMore JVM options.\n");
        m.append(".TP\n.B ").append(ConfigFile.DIRECTORY_ENV).append("\nThe directory searched for config files "
                + "instead of ").append(ConfigFile.DEFAULT_DIRECTORY).append(".\n");
        m.append(".SH FILES\n.TP\n.I SOCKET.pid\nBeside a \\-\\-socket\\-path: the running daemon's pid, locked while "
                + "it runs; a second daemon on the same socket path stops with the first one's pid.\n");
        m.append(".TP\n.I /dev/log\nThe system log socket, with \\-\\-syslog.\n");
        m.append(".SH EXIT STATUS\n.TP\n0\nThe frontend disconnected (check: no problem found).\n.TP\n1\nStart-up failed "
                + "(check: problems found).\n.TP\n2\nA bad command line.\n");
        m.append(".SH SEE ALSO\nqemu-system-x86_64(1), virsh(1), mount(8)\n");
        return m.toString();
    }

    private static void options(StringBuilder m, CommandSpec spec, List<OptionSpec> leaveOut) {
        List<String> shown = new ArrayList<>();
        for (OptionSpec o : leaveOut) {
            shown.add(o.longestName());
        }
        for (OptionSpec o : spec.options()) {
            if (shown.contains(o.longestName())) {
                continue;
            }
            m.append(".TP\n.B ").append(escape(String.join(", ", o.names())));
            if (o.arity().max() > 0) {
                m.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
            }
            m.append('\n').append(escape(String.join(" ", o.description()))).append(o.hidden() ? " (hidden in --help)" : "")
                    .append('\n');
        }
    }

    private static String paragraph(String text) {
        return ".PP\n" + escape(text) + "\n";
    }

    /** Text safe in roff: backslashes and hyphens escaped, no line starting with a dot or quote. */
    static String escape(String text) {
        String t = text.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder out = new StringBuilder();
        for (String line : t.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(line.startsWith(".") || line.startsWith("'") ? "\\&" + line : line);
        }
        return out.toString();
    }
}
