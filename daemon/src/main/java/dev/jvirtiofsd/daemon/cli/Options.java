package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.fs.InodeFileHandles;
import dev.jvirtiofsd.daemon.fs.XattrMap;
import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line, with the Rust virtiofsd's option names, value syntax and defaults for what
 * this daemon implements. An option this daemon does not implement yet is rejected by the parser
 * (exit status 2), never accepted and ignored.
 */
@Command(name = "jvirtiofsd",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "vhost-user virtio-fs device backend: serves a host directory to a QEMU guest.",
        footerHeading = "%nCommands:%n",
        footer = "  check   inspect the host setup of a share and print each problem with its fix "
                + "(jvirtiofsd check --help)")
public final class Options {

    @Option(names = "--shared-dir", paramLabel = "SHARED_DIR", description = "Shared directory path")
    public Path sharedDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Read arguments from FILE first, one per line ('#' starts a comment line); the command "
                    + "line's come after them. Without it, the one file /etc/jvirtiofsd/*.conf whose --shared-dir= "
                    + "line names the same directory as the command line is read, if any")
    public Path config;

    /** The config file whose arguments were parsed before the command line's (null: none), and those arguments. */
    public Path configFile;
    public List<String> configArguments = List.of();

    @Option(names = "--tag", paramLabel = "TAG",
            description = "The tag that the virtio device advertises. Setting this option enables the "
                    + "vhost-user CONFIG protocol feature, which QEMU 7.1 to 8.0 do not survive.")
    public String tag;

    @Option(names = "--socket", paramLabel = "SOCKET", hidden = true,
            description = "vhost-user socket path [deprecated: use --socket-path]")
    public Path socket;

    @Option(names = "--socket-path", paramLabel = "SOCKET_PATH", description = "vhost-user socket path")
    public Path socketPath;

    @Option(names = "--fd", paramLabel = "FD", description = "File descriptor of an already listening socket")
    public Integer fd;

    @Option(names = "--socket-group", paramLabel = "SOCKET_GROUP",
            description = "Name of group for the vhost-user socket: its members may connect too")
    public String socketGroup;

    @Option(names = "--thread-pool-size", paramLabel = "THREAD_POOL_SIZE", defaultValue = "0",
            description = "Maximum thread pool size. 0 processes requests in the queue threads. [default: 0]")
    public int threadPoolSize;

    @Option(names = "--xattr", description = "Enable support for extended attributes")
    public boolean xattr;

    @Option(names = "--xattrmap", paramLabel = "XATTRMAP", converter = XattrMapConverter.class,
            preprocessor = AttachedValue.class,
            description = "Add custom rules for translating extended attributes between host and guest "
                    + "(e.g. :map::user.virtiofs.:); implies --xattr")
    public XattrMap xattrmap;

    @Option(names = "--sandbox", paramLabel = "SANDBOX", completionCandidates = ValueNames.Sandbox.class,
            description = "Sandbox mechanism to isolate the daemon process: namespace, chroot or none. "
                    + "namespace needs the launcher bin/jvirtiofsd, which makes the namespaces (for a user "
                    + "other than root inside a user namespace); chroot needs root. "
                    + "[default: namespace where bin/jvirtiofsd can make the namespaces, "
                    + "else chroot as root, none otherwise]")
    public SandboxMode sandbox;

    @Option(names = "--seccomp", paramLabel = "SECCOMP", completionCandidates = ValueNames.Seccomp.class, defaultValue = "kill",
            description = "Action to take when seccomp finds a not allowed syscall: none, kill, log, trap. "
                    + "[default: kill]")
    public SeccompAction seccomp;

    /** Whether directories on another mount are marked as submounts (FUSE_ATTR_SUBMOUNT). */
    public boolean announceSubmounts = true;

    @Option(names = "--announce-submounts", description = "Tell the guest which directories are mount points [default]")
    void announceSubmounts(boolean set) {
        if (set) {
            announceSubmounts = true;
        }
    }

    @Option(names = "--no-announce-submounts", description = "Do not tell the guest which directories are mount points")
    void noAnnounceSubmounts(boolean set) {
        if (set) {
            announceSubmounts = false;
        }
    }

    @Option(names = "--inode-file-handles", paramLabel = "INODE_FILE_HANDLES", preprocessor = EqualsOnly.class,
            description = "When to reference inodes by file handle instead of an O_PATH file descriptor (never, "
                    + "prefer, mandatory; write it with '='). never: always O_PATH file descriptors. prefer: file "
                    + "handles, falling back to O_PATH file descriptors on filesystems that do not support them "
                    + "(fallback is a deprecated alias). mandatory: always file handles, and start-up fails where "
                    + "they do not work. File handles let the daemon keep open only the files the guest has open; "
                    + "opening them needs CAP_DAC_READ_SEARCH, which is then kept. [default: never]")
    public String inodeFileHandles = "never";

    @Option(names = "--cache", paramLabel = "CACHE", completionCandidates = ValueNames.Cache.class, defaultValue = "auto",
            description = "The caching policy the file system should use: auto, always, never, metadata. "
                    + "[default: auto]")
    public CachePolicy cache;

    @Option(names = "--log-level", paramLabel = "LOG_LEVEL", completionCandidates = ValueNames.Log.class, defaultValue = "info",
            description = "Log level: error, warn, info, debug, trace, off. [default: info]")
    public LogLevel logLevel;

    @Option(names = "--syslog",
            description = "Log to the system log (/dev/log, facility user) instead of stderr; falls back to stderr "
                    + "with a warning where /dev/log cannot be reached")
    public boolean syslog;

    @Option(names = "--writeback", description = "Enable writeback cache")
    public boolean writeback;

    @Option(names = "--allow-mmap",
            description = "Allow shared mmap of files opened with direct I/O (--cache=never or metadata)")
    public boolean allowMmap;

    @Option(names = "--no-readdirplus", description = "Disable support for READDIRPLUS operations")
    public boolean noReaddirplus;

    @Option(names = "--allow-direct-io", description = "Honor the O_DIRECT flag passed down by guest applications")
    public boolean allowDirectIo;

    @Option(names = "--preserve-noatime",
            description = "Honor the O_NOATIME flag passed down by guest applications (may fail with EPERM "
                    + "where the daemon does not own the file)")
    public boolean preserveNoatime;

    @Option(names = "--killpriv-v2", description = "Enable FUSE_HANDLE_KILLPRIV_V2 (not for NFS shares)")
    public boolean killprivV2;

    @Option(names = "--no-killpriv-v2", description = "Disable FUSE_HANDLE_KILLPRIV_V2 (the default)")
    public boolean noKillprivV2;

    @Option(names = "--posix-acl", description = "Enable support for POSIX ACLs (implies --xattr)")
    public boolean posixAcl;

    @Option(names = "--translate-uid", paramLabel = "TRANSLATE_UID", converter = IdMapRuleConverter.class,
            description = "Translate uids between guest and host inside the daemon: TYPE:FROM:TO:COUNT. TYPE: "
                    + "guest (guest range to host range), host (host range to guest range), squash-guest (a guest "
                    + "range to one host uid), squash-host (a host range to one guest uid), map (both ways; "
                    + "map:GUEST:HOST:COUNT), or forbid-guest:GUEST:COUNT (requests using those guest uids fail "
                    + "with EPERM). Repeat for several ranges; uids no rule covers stay as they are. "
                    + "Cannot be used with --posix-acl")
    public List<IdMapRule> translateUid = new ArrayList<>();

    @Option(names = "--translate-gid", paramLabel = "TRANSLATE_GID", converter = IdMapRuleConverter.class,
            description = "Same as --translate-uid, for gids (also the supplementary groups of a request)")
    public List<IdMapRule> translateGid = new ArrayList<>();

    @Option(names = "--security-label",
            description = "Enable support for security labels (SELinux) on new files (implies --xattr)")
    public boolean securityLabel;

    @Option(names = "--posix-lock",
            description = "Serve POSIX record locks (fcntl) on the host, so guests and host processes exclude "
                    + "each other; off by default: locks stay inside each guest. Same as -o posix_lock")
    public boolean posixLock;

    @Option(names = "--flock",
            description = "Serve flock(2) locks on the host; off by default. Same as -o flock")
    public boolean flock;

    @Option(names = "--readonly", description = "Disable write operations on the shared directory")
    public boolean readonly;

    @Option(names = "--modcaps", paramLabel = "MODCAPS", preprocessor = AttachedValue.class,
            description = "Modify the list of capabilities kept when running as root, e.g. "
                    + "--modcaps=+sys_admin:-mknod (write it with '=': the value starts with a sign)")
    public String modcaps;

    @Option(names = "--rlimit-nofile", paramLabel = "RLIMIT_NOFILE",
            description = "Set the maximum number of file descriptors (0 leaves the limit unchanged) "
                    + "[default: min(1000000, /proc/sys/fs/nr_open)]")
    public Long rlimitNofile;

    @Option(names = "--uid-map", paramLabel = "UID_MAP",
            description = "Map a range of uids into the user namespace of an unprivileged daemon's namespace "
                    + "sandbox, :inside:outside:count: (repeatable; more than the user's own uid needs newuidmap "
                    + "and /etc/subuid). [default: the user's uid to itself]")
    public List<String> uidMap = new ArrayList<>();

    @Option(names = "--gid-map", paramLabel = "GID_MAP",
            description = "Map a range of gids likewise, :inside:outside:count: (repeatable). "
                    + "[default: the user's gid to itself]")
    public List<String> gidMap = new ArrayList<>();

    /** The parsed --uid-map and --gid-map entries, set by {@link #validate()}. */
    public List<UserNamespaceMap> uidMaps = List.of();
    public List<UserNamespaceMap> gidMaps = List.of();

    @Option(names = "-o", paramLabel = "OPTIONS",
            description = "Options in the legacy form of QEMU's C virtiofsd and old libvirt, comma-separated, "
                    + "',,' for a comma in a value [deprecated]: source=, cache=auto|always|none|metadata, "
                    + "loglevel= (or log_level=), sandbox=, "
                    + "[no_]xattr, [no_]readdirplus, [no_]writeback, [no_]allow_direct_io, announce_submounts, "
                    + "[no_]killpriv_v2, [no_]posix_acl, [no_]security_label, [no_]posix_lock, [no_]flock, "
                    + "thread_pool_size=, modcaps=, xattrmap=")
    public List<String> compatOptions = new ArrayList<>();

    @Option(names = "--print-capabilities",
            description = "Print the vhost-user backend capabilities (JSON) to stdout and exit, whatever else "
                    + "the command line says")
    public boolean printCapabilities; // acted on by CommandLineParser before anything else is parsed

    @Option(names = "-d", description = "Set log level to \"debug\" [deprecated]")
    public boolean debug;

    @Option(names = "-f", hidden = true, description = "Foreground operation (always on) [deprecated]")
    public boolean foreground;

    /** {@code --inode-file-handles} as a mode (fallback is prefer); valid once {@link #validate()} passed. */
    public InodeFileHandles inodeFileHandlesMode() {
        switch (inodeFileHandles) {
            case "prefer":
            case "fallback":
                return InodeFileHandles.PREFER;
            case "mandatory":
                return InodeFileHandles.MANDATORY;
            default:
                return InodeFileHandles.NEVER;
        }
    }

    /** The socket path from --socket-path or its deprecated alias --socket. */
    public Path effectiveSocketPath() {
        return socketPath != null ? socketPath : socket;
    }

    /**
     * Checks what the parser cannot: required and conflicting options and value ranges.
     *
     * @return a one-line reason, or null when the options are usable
     */
    public String validate() {
        String compat = applyCompatAndImplied();
        if (compat != null) {
            return compat;
        }
        if (posixAcl && !(translateUid.isEmpty() && translateGid.isEmpty())) {
            // --posix-acl itself is refused by the parser; this is -o posix_acl, which the Rust
            // virtiofsd lets through. Translated owners would not match the ids inside the ACLs.
            return "-o posix_acl cannot be used with --translate-uid or --translate-gid: translated owners "
                    + "would not match the ids in the ACLs";
        }
        if (sharedDir == null) {
            return "--shared-dir is required";
        }
        String sharedDirProblem = SharedDirProblem.of(sharedDir);
        if (sharedDirProblem != null) {
            return sharedDirProblem;
        }
        if (socketPath != null && socket != null) {
            return "--socket-path and --socket cannot be used together";
        }
        if (fd != null && effectiveSocketPath() != null) {
            return "--fd cannot be used together with --socket-path";
        }
        if (fd == null && effectiveSocketPath() == null) {
            return "one of --socket-path or --fd is required";
        }
        if (fd != null && socketGroup != null) {
            return "--socket-group cannot be used together with --fd";
        }
        if (rlimitNofile != null && rlimitNofile < 0) {
            return "--rlimit-nofile must be 0 or more, not " + rlimitNofile;
        }
        if (fd != null && fd < 0) {
            return "--fd must be a file descriptor number, not " + fd;
        }
        if (threadPoolSize < 0) {
            return "--thread-pool-size must be 0 or more, not " + threadPoolSize;
        }
        try {
            uidMaps = uidMap.stream().map(v -> UserNamespaceMap.parse("--uid-map", v)).toList();
            gidMaps = gidMap.stream().map(v -> UserNamespaceMap.parse("--gid-map", v)).toList();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!List.of("never", "prefer", "mandatory", "fallback").contains(inodeFileHandles)) {
            return "invalid value '" + inodeFileHandles + "' for '--inode-file-handles=<INODE_FILE_HANDLES>': "
                    + "invalid inode file handles mode (never, prefer, mandatory)";
        }
        if (tag != null) {
            int len = tag.getBytes(StandardCharsets.UTF_8).length;
            if (len == 0 || len > 36) {
                return "--tag must be 1 to 36 bytes long, not " + len;
            }
        }
        return null;
    }

    /**
     * Applies the {@code -o} elements and what options imply (-d: debug; --posix-acl,
     * --security-label, --xattrmap: --xattr). Done once, by {@link #validate()} or by a command that
     * reads the daemon's options without starting it.
     *
     * @return a one-line reason for a bad -o element, or null
     */
    public String applyCompatAndImplied() {
        String compat = CompatOptions.apply(this);
        if (compat != null) {
            return compat;
        }
        if (debug) {
            logLevel = LogLevel.DEBUG;
        }
        if (posixAcl || securityLabel || xattrmap != null) {
            xattr = true;
        }
        return null;
    }

    /** The sandbox mode in effect when no launcher entered namespaces: see {@link #effectiveSandbox(boolean, boolean)}. */
    public SandboxMode effectiveSandbox(boolean runningAsRoot) {
        return effectiveSandbox(runningAsRoot, false);
    }

    /**
     * The sandbox mode in effect: the one asked for; else namespace when the launcher entered new
     * namespaces (it does so by default as root, when they can be created), else chroot for root
     * and none otherwise.
     */
    public SandboxMode effectiveSandbox(boolean runningAsRoot, boolean launcherEnteredNamespaces) {
        if (sandbox != null) {
            return sandbox;
        }
        if (launcherEnteredNamespaces) {
            return SandboxMode.NAMESPACE;
        }
        return runningAsRoot ? SandboxMode.CHROOT : SandboxMode.NONE;
    }
}
