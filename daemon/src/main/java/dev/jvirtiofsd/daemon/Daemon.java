package dev.jvirtiofsd.daemon;

import dev.jvirtiofsd.daemon.cli.Options;
import dev.jvirtiofsd.daemon.cli.SandboxMode;
import dev.jvirtiofsd.daemon.fs.Credentials;
import dev.jvirtiofsd.daemon.fs.InodeFileHandles;
import dev.jvirtiofsd.daemon.fs.PassthroughConfig;
import dev.jvirtiofsd.daemon.fs.PassthroughFs;
import dev.jvirtiofsd.daemon.fs.ReadOnlyFileSystem;
import dev.jvirtiofsd.daemon.fs.XattrMap;
import dev.jvirtiofsd.daemon.fuse.FuseServer;
import dev.jvirtiofsd.daemon.fuse.FuseServerConfig;
import dev.jvirtiofsd.daemon.fuse.VirtioFsDevice;
import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.seccomp.SeccompFilter;
import dev.jvirtiofsd.daemon.sys.ErrnoException;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;
import dev.jvirtiofsd.daemon.sys.ProcessCalls;
import dev.jvirtiofsd.vhostuser.VhostUserBackend;
import dev.jvirtiofsd.vhostuser.VhostUserListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up and life of the daemon: socket, filesystem, sandbox, then one frontend connection
 * served until it ends. Exit status 0 when the frontend disconnects (as the Rust virtiofsd),
 * 1 when start-up fails.
 */
public final class Daemon {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    /**
     * The most request queues served (plus the hiprio queue), reported by GET_QUEUE_NUM. The
     * frontend sets up as many as it wants (QEMU: num-request-queues); only those it starts get a
     * worker thread. Linux guests use at most one per vCPU.
     */
    static final int REQUEST_QUEUES = 64;

    private final Options options;

    public Daemon(Options options) {
        this.options = options;
    }

    public int run() {
        boolean root = ProcessCalls.runningAsRoot();
        // What the process was started with: every thread the JVM made before main keeps it.
        long startedWith = root ? CapabilityDrop.permittedNow() : 0;
        SandboxMode sandbox = options.effectiveSandbox(root, NamespaceSandbox.enteredByLauncher());
        if (sandbox == SandboxMode.CHROOT && !root) {
            LOG.error("--sandbox=chroot needs root; use --sandbox=none to run as an unprivileged user");
            return 1;
        }
        boolean idMaps = !options.uidMaps.isEmpty() || !options.gidMaps.isEmpty();
        if (idMaps && sandbox != SandboxMode.NAMESPACE) {
            LOG.error("--uid-map and --gid-map can only be used by an unprivileged user with --sandbox=namespace");
            return 1;
        }
        SupervisorChannel supervisor = null;
        if (sandbox == SandboxMode.NAMESPACE) {
            try {
                NamespaceSandbox.verify();
                NamespaceSandbox.verifyIdMaps(options.uidMaps, options.gidMaps);
                supervisor = SupervisorChannel.inherited();
            } catch (IOException e) {
                LOG.error("{}", e.getMessage());
                return 1;
            }
        }
        if (options.configFile != null) {
            LOG.info("Arguments from {} (before the command line's): {}", options.configFile,
                    String.join(" ", options.configArguments));
        }
        Path sharedDir = options.sharedDir.toAbsolutePath().normalize();
        Path socketPath = options.effectiveSocketPath();
        warnAboutDeprecatedOptions();
        if (!checkXattrMap()) {
            return 1;
        }
        long keptCapabilities;
        SocketGroup socketGroup;
        IdTranslation ids;
        try {
            keptCapabilities = KeptCapabilities.forOptions(options.modcaps,
                    options.inodeFileHandlesMode() != InodeFileHandles.NEVER,
                    "--inode-file-handles=" + options.inodeFileHandles);
            ids = IdTranslation.of(options.translateUid, options.translateGid);
            socketGroup = options.socketGroup == null ? null : SocketGroup.lookup(options.socketGroup);
        } catch (IllegalArgumentException | IOException e) {
            LOG.error("{}", e.getMessage());
            return 1;
        }

        Path socket = options.fd == null ? socketPath.toAbsolutePath() : null;
        SocketPidFile pidFile = null;
        VhostUserListener bound;
        try {
            if (socket != null) {
                pidFile = lockSocketPath(socket, VisiblePid.get());
                if (pidFile == null) {
                    return 1;
                }
            }
            bound = socket == null ? VhostUserListener.fromFd(options.fd) : VhostUserListener.bind(socket);
        } catch (IOException e) {
            if (pidFile != null) {
                pidFile.close();
            }
            LOG.error("{}", e instanceof dev.jvirtiofsd.vhostuser.sys.ErrnoException errno && socket != null
                    ? SocketPathProblem.explain(socket, errno.errno(), e.getMessage()) : e.getMessage());
            return 1;
        }

        try (SocketPidFile heldPidFile = pidFile; VhostUserListener listener = bound) {
            // Also on SIGTERM/SIGINT before a frontend came: leave no socket file behind.
            Thread cleanup = new Thread(() -> {
                listener.close();
                if (heldPidFile != null) {
                    heldPidFile.close();
                }
            }, "socket-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            if (socketGroup != null) {
                socketGroup.applyTo(socket);
            }
            OpenFileLimit.apply(options.rlimitNofile);

            // namespace: the fd magic links of a /proc of our own, opened before the old root goes.
            String procSelfFd = sandbox == SandboxMode.NAMESPACE
                    ? NamespaceSandbox.privateProcSelfFd(supervisor) : ProcSelfFd.DEFAULT_PATH;
            InodeFileHandles fileHandles = checkFileHandles(sharedDir, procSelfFd);
            if (fileHandles == null) {
                return 1;
            }
            PassthroughFs fs = new PassthroughFs(passthroughConfig(
                    sandbox == SandboxMode.NONE ? sharedDir : Path.of("/"), procSelfFd, ids, fileHandles));
            FuseServer server = new FuseServer(options.readonly ? new ReadOnlyFileSystem(fs) : fs, fuseServerConfig());
            VirtioFsDevice device = new VirtioFsDevice(server, REQUEST_QUEUES, options.tag);
            VhostUserBackend backend = new VhostUserBackend(device, options.threadPoolSize, new WorkerThreads());

            LOG.info("Waiting for vhost-user socket connection...");
            int connection = listener.accept();
            LOG.info("Client connected, servicing requests");
            // One frontend per daemon: nobody else may connect, and nothing is left to clean up.
            listener.close();

            if (heldPidFile != null && sandbox != SandboxMode.NONE) {
                // Outside the new root: the file stays (unlocked at exit) for the next daemon to take over.
                heldPidFile.keepFile();
            }
            if (sandbox == SandboxMode.CHROOT) {
                enterChroot(sharedDir);
            } else if (sandbox == SandboxMode.NAMESPACE) {
                enterNamespaceRoot(supervisor, sharedDir);
            }
            // After the sandbox, before any worker thread exists: the workers inherit the result.
            if (root) {
                CapabilityDrop.dropAllBut(keptCapabilities);
                CapabilityDrop.reportProcessCapabilities(keptCapabilities, startedWith,
                        sandbox == SandboxMode.CHROOT ? KeptCapabilities.bit(KeptCapabilities.SYS_CHROOT) : 0);
            } else {
                CapabilityDrop.noNewPrivileges();
            }
            // After the sandbox, before the first request: every thread, present and future.
            SeccompFilter.install(options.seccomp, Logging.toSyslog());
            try {
                backend.serve(connection);
                LOG.info("Client disconnected, shutting down");
            } catch (IOException e) {
                LOG.error("Connection ended on a protocol error: {}", e.getMessage());
            }
            fs.close();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            return 0;
        } catch (java.nio.channels.AsynchronousCloseException e) {
            // The shutdown hook closed the listener: a signal came before any frontend.
            LOG.info("Stopped before a frontend connected");
            return 1;
        } catch (IOException e) {
            LOG.error("{}", e.getMessage());
            return 1;
        }
    }

    /**
     * Takes the socket path's pid file, so that no other daemon takes the path while this one
     * runs. Null (the reason logged) when the path is in use or unusable.
     */
    private static SocketPidFile lockSocketPath(Path socket, long pid) {
        String problem = SocketPathProblem.beforeCreating(socket);
        if (problem != null) {
            LOG.error("{}", problem);
            return null;
        }
        try {
            return SocketPidFile.acquire(socket, pid);
        } catch (ErrnoException e) {
            LOG.error("{}", SocketPathProblem.explain(socket, e.errno(), e.getMessage()));
        } catch (IOException e) {
            LOG.error("{}", e.getMessage());
        }
        return null;
    }

    private void warnAboutDeprecatedOptions() {
        if (options.socket != null) {
            LOG.warn("--socket is deprecated, use --socket-path instead");
        }
        if (!options.compatOptions.isEmpty()) {
            LOG.warn("-o {} is deprecated, use the separate options instead", String.join(",", options.compatOptions));
        }
        if (options.debug) {
            LOG.warn("-d is deprecated, use --log-level=debug instead");
        }
        if ("fallback".equals(options.inodeFileHandles)) {
            LOG.warn("--inode-file-handles=fallback is deprecated, use --inode-file-handles=prefer instead");
        }
        if (options.foreground) {
            LOG.warn("-f is deprecated: the daemon always runs in the foreground");
        }
    }

    /**
     * Refuses a map without a rule for the guest's security.capability, which the daemon must map
     * at start-up (the Rust virtiofsd ends there, with a panic); warns about a map without a
     * catch-all rule, which leaves some names to the daemon's fallback (refused, hidden).
     *
     * @return false when the daemon cannot start with the map
     */
    private boolean checkXattrMap() {
        XattrMap map = options.xattrmap;
        if (map == null) {
            return true;
        }
        LOG.debug("--xattrmap rules: {}", map);
        if (!map.hasRuleForGuestName("security.capability")) {
            LOG.error("--xattrmap has no rule for the guest's security.capability: end the map with a catch-all"
                    + " rule, e.g. :ok:all::: or :bad:all:::");
            return false;
        }
        if (!map.decidesEveryGuestName()) {
            LOG.warn("--xattrmap has no client rule with an empty key: xattr names from the guest that no rule"
                    + " matches are refused with EOPNOTSUPP (end the map with e.g. :ok:all::: or :bad:all:::)");
        }
        if (!map.decidesEveryHostName()) {
            LOG.warn("--xattrmap has no server rule with an empty prepend: host xattr names that no rule"
                    + " matches are hidden from the guest (end the map with e.g. :ok:all::: or :bad:all:::)");
        }
        return true;
    }


    /**
     * The file-handle mode to serve with, after the Rust virtiofsd's start-up check that handles
     * work for the shared directory in this process (made before the sandbox moves it: the same
     * filesystem, and this thread already has the capabilities the workers get). prefer without
     * working handles is never, with a warning; mandatory without them ends start-up (null).
     */
    private InodeFileHandles checkFileHandles(Path sharedDir, String procSelfFd) {
        InodeFileHandles mode = options.inodeFileHandlesMode();
        if (mode == InodeFileHandles.NEVER) {
            return mode;
        }
        String problem = PassthroughFs.probeFileHandles(sharedDir, procSelfFd);
        if (problem == null) {
            return mode;
        }
        if (mode == InodeFileHandles.MANDATORY) {
            LOG.error("--inode-file-handles=mandatory: file handles do not work here: {}", problem);
            return null;
        }
        LOG.warn("--inode-file-handles={}: file handles do not work here ({}); inodes are held by O_PATH file "
                + "descriptors", options.inodeFileHandles, problem);
        return InodeFileHandles.NEVER;
    }

    PassthroughConfig passthroughConfig(Path root, String procSelfFd, IdTranslation ids,
                                        InodeFileHandles fileHandles) {
        return PassthroughConfig.builder(root)
                .inodeFileHandles(fileHandles)
                .announceSubmounts(options.announceSubmounts)
                .procSelfFdPath(procSelfFd)
                .idTranslation(ids)
                .cachePolicy(options.cache)
                .xattr(options.xattr)
                .writeback(options.writeback)
                .allowDirectIo(options.allowDirectIo)
                .preserveNoatime(options.preserveNoatime)
                .posixAcl(options.posixAcl)
                .securityLabel(options.securityLabel)
                .killprivV2(options.killprivV2)
                .posixLocks(options.posixLock)
                .flockLocks(options.flock)
                .xattrMap(options.xattrmap)
                .build();
    }

    FuseServerConfig fuseServerConfig() {
        return new FuseServerConfig(options.cache, !options.noReaddirplus, options.writeback, options.xattr)
                .withAnnounceSubmounts(options.announceSubmounts)
                .withAllowMmap(options.allowMmap)
                .withPosixAcl(options.posixAcl)
                .withSecurityLabel(options.securityLabel)
                .withKillprivV2(options.killprivV2)
                .withPosixLocks(options.posixLock)
                .withFlockLocks(options.flock);
    }

    /**
     * chroot into the shared directory. Everything that reads files by path must be done first:
     * the class path's jars are opened now (classes load lazily from them later), and the
     * native libraries are loaded (jffi unpacks its library into a temporary directory).
     */
    private static void enterChroot(Path sharedDir) throws ErrnoException, IOException {
        openClassPathJars();
        dev.jvirtiofsd.vhostuser.sys.Natives.load();
        ProcessCalls.chrootInto(sharedDir.toString());
        LOG.debug("sandbox: chroot into {}", sharedDir);
    }

    /**
     * pivot_root into the shared directory, by the supervisor; as for chroot, jars and native
     * libraries are opened first. The supervisor takes no requests after this one.
     */
    private static void enterNamespaceRoot(SupervisorChannel supervisor, Path sharedDir) throws IOException {
        openClassPathJars();
        dev.jvirtiofsd.vhostuser.sys.Natives.load();
        try {
            NamespaceSandbox.pivotInto(supervisor, sharedDir);
        } finally {
            supervisor.close();
        }
    }

    private static void openClassPathJars() throws IOException {
        ClassLoader loader = Daemon.class.getClassLoader();
        // Enumerating a resource every jar has makes the class loader open each of them.
        var manifests = loader.getResources("META-INF/MANIFEST.MF");
        int n = 0;
        while (manifests.hasMoreElements()) {
            manifests.nextElement();
            n++;
        }
        LOG.debug("class path: {} jars opened before chroot", n);
    }

    /**
     * Platform threads, named after their role, for the queue workers and the pool. Each first
     * makes its umask and working directory its own and keeps its capabilities across uid
     * switches ({@link Credentials#prepareThread}): they serve requests under guest identities.
     */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Runnable prepared = () -> {
                Credentials.prepareThread();
                r.run();
            };
            Thread t = new Thread(prepared, "virtiofs-worker-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        }
    }
}
