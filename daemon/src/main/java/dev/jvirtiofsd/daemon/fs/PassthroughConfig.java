package dev.jvirtiofsd.daemon.fs;

import java.nio.file.Path;
import java.util.Objects;

import dev.jvirtiofsd.daemon.CachePolicy;
import dev.jvirtiofsd.daemon.idmap.IdTranslation;
import dev.jvirtiofsd.daemon.sys.ProcSelfFd;

/** How {@link PassthroughFs} serves its shared directory. Immutable; made with {@link #builder(Path)}. */
public final class PassthroughConfig {
    private final Path sharedDir;
    private final CachePolicy cachePolicy;
    private final boolean xattr;
    private final boolean writeback;
    private final boolean allowDirectIo;
    private final boolean preserveNoatime;
    private final boolean announceSubmounts;
    private final boolean useOpenat2;
    private final String procSelfFdPath;
    private final boolean posixAcl;
    private final IdTranslation idTranslation;
    private final boolean securityLabel;
    private final boolean killprivV2;
    private final boolean posixLocks;
    private final boolean flockLocks;
    private final XattrMap xattrMap;
    private final InodeFileHandles inodeFileHandles;

    private PassthroughConfig(Builder b) {
        this.sharedDir = b.sharedDir;
        this.cachePolicy = b.cachePolicy;
        this.xattr = b.xattr;
        this.writeback = b.writeback;
        this.allowDirectIo = b.allowDirectIo;
        this.preserveNoatime = b.preserveNoatime;
        this.announceSubmounts = b.announceSubmounts;
        this.useOpenat2 = b.useOpenat2;
        this.procSelfFdPath = b.procSelfFdPath;
        this.posixAcl = b.posixAcl;
        this.idTranslation = b.idTranslation;
        this.securityLabel = b.securityLabel;
        this.killprivV2 = b.killprivV2;
        this.posixLocks = b.posixLocks;
        this.flockLocks = b.flockLocks;
        this.xattrMap = b.xattrMap;
        this.inodeFileHandles = b.inodeFileHandles;
    }

    public static Builder builder(Path sharedDir) {
        return new Builder(sharedDir);
    }

    /** The directory (or regular file) exported to the guest. */
    public Path sharedDir() {
        return sharedDir;
    }

    /** Entry/attribute timeouts and FOPEN flags ({@code --cache}). */
    public CachePolicy cachePolicy() {
        return cachePolicy;
    }

    /** Whether the xattr operations are served ({@code --xattr}); otherwise they answer ENOSYS. */
    public boolean xattr() {
        return xattr;
    }

    /** Whether writeback caching may be used ({@code --writeback}); it takes effect once INIT negotiates it. */
    public boolean writeback() {
        return writeback;
    }

    /** Keep the guest's O_DIRECT on host opens ({@code --allow-direct-io}). */
    public boolean allowDirectIo() {
        return allowDirectIo;
    }

    /** Keep the guest's O_NOATIME on host opens ({@code --preserve-noatime}). */
    public boolean preserveNoatime() {
        return preserveNoatime;
    }

    /** Mark directories on another mount as submounts, once INIT negotiates FUSE_SUBMOUNTS. */
    public boolean announceSubmounts() {
        return announceSubmounts;
    }

    /** Resolve names with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) when the kernel has it. */
    public boolean useOpenat2() {
        return useOpenat2;
    }

    /** Where this process's fd magic links are ({@code /proc/self/fd} unless a sandbox moved /proc). */
    public String procSelfFdPath() {
        return procSelfFdPath;
    }

    /** POSIX ACLs: ACL xattrs served, the request's umask applied on create ({@code --posix-acl}). */
    public boolean posixAcl() {
        return posixAcl;
    }

    /** How guest and host uids and gids translate ({@code --translate-uid}, {@code --translate-gid}). */
    public IdTranslation idTranslation() {
        return idTranslation;
    }

    /** Store the guest's security context on created nodes ({@code --security-label}). */
    public boolean securityLabel() {
        return securityLabel;
    }

    /** Clear suid/sgid on write, truncate and chown as the kernel would ({@code --killpriv-v2}). */
    public boolean killprivV2() {
        return killprivV2;
    }

    /** Serve POSIX record locks on the host ({@code -o posix_lock}). */
    public boolean posixLocks() {
        return posixLocks;
    }

    /** Serve flock(2) locks on the host ({@code -o flock}). */
    public boolean flockLocks() {
        return flockLocks;
    }

    /** The xattr name rules ({@code --xattrmap}); null: names pass unchanged. */
    public XattrMap xattrMap() {
        return xattrMap;
    }

    /**
     * Whether inodes are held as file handles ({@code --inode-file-handles}); the caller has
     * checked that they work here ({@link PassthroughFs#probeFileHandles}).
     */
    public InodeFileHandles inodeFileHandles() {
        return inodeFileHandles;
    }

    public static final class Builder {
        private final Path sharedDir;
        private CachePolicy cachePolicy = CachePolicy.AUTO;
        private boolean xattr;
        private boolean writeback;
        private boolean allowDirectIo;
        private boolean preserveNoatime;
        private boolean announceSubmounts = true;
        private boolean useOpenat2 = true;
        private String procSelfFdPath = ProcSelfFd.DEFAULT_PATH;
        private boolean posixAcl;
        private IdTranslation idTranslation = IdTranslation.IDENTITY;
        private boolean securityLabel;
        private boolean killprivV2;
        private boolean posixLocks;
        private boolean flockLocks;
        private XattrMap xattrMap;
        private InodeFileHandles inodeFileHandles = InodeFileHandles.NEVER;

        private Builder(Path sharedDir) {
            this.sharedDir = Objects.requireNonNull(sharedDir, "sharedDir");
        }

        public Builder cachePolicy(CachePolicy value) {
            this.cachePolicy = Objects.requireNonNull(value, "cachePolicy");
            return this;
        }

        public Builder xattr(boolean value) {
            this.xattr = value;
            return this;
        }

        public Builder writeback(boolean value) {
            this.writeback = value;
            return this;
        }

        public Builder allowDirectIo(boolean value) {
            this.allowDirectIo = value;
            return this;
        }

        public Builder preserveNoatime(boolean value) {
            this.preserveNoatime = value;
            return this;
        }

        public Builder announceSubmounts(boolean value) {
            this.announceSubmounts = value;
            return this;
        }

        public Builder useOpenat2(boolean value) {
            this.useOpenat2 = value;
            return this;
        }

        public Builder procSelfFdPath(String value) {
            this.procSelfFdPath = Objects.requireNonNull(value, "procSelfFdPath");
            return this;
        }

        public Builder posixAcl(boolean value) {
            this.posixAcl = value;
            return this;
        }

        public Builder idTranslation(IdTranslation value) {
            this.idTranslation = Objects.requireNonNull(value, "idTranslation");
            return this;
        }

        public Builder securityLabel(boolean value) {
            this.securityLabel = value;
            return this;
        }

        public Builder killprivV2(boolean value) {
            this.killprivV2 = value;
            return this;
        }

        public Builder posixLocks(boolean value) {
            this.posixLocks = value;
            return this;
        }

        public Builder flockLocks(boolean value) {
            this.flockLocks = value;
            return this;
        }

        public Builder xattrMap(XattrMap value) {
            this.xattrMap = value;
            return this;
        }

        public Builder inodeFileHandles(InodeFileHandles value) {
            this.inodeFileHandles = Objects.requireNonNull(value, "inodeFileHandles");
            return this;
        }

        public PassthroughConfig build() {
            return new PassthroughConfig(this);
        }
    }
}
