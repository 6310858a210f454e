package dev.jvirtiofsd.daemon.fuse;

import dev.jvirtiofsd.daemon.CachePolicy;
import java.util.Objects;

/**
 * What the FUSE server offers the guest.
 *
 * @param cachePolicy {@code --cache}: attribute timeout of GETATTR/SETATTR replies, and whether
 *     READDIRPLUS may be offered (entry timeouts and FOPEN flags come from the file system)
 * @param readdirplus offer READDIRPLUS (false with {@code --no-readdirplus})
 * @param writeback offer the writeback cache ({@code --writeback})
 * @param xattr serve the extended-attribute opcodes ({@code --xattr}); otherwise they answer ENOSYS
 */
public record FuseServerConfig(CachePolicy cachePolicy, boolean readdirplus, boolean writeback, boolean xattr) {

    public FuseServerConfig {
        Objects.requireNonNull(cachePolicy, "cachePolicy");
    }

    /** The Rust virtiofsd's defaults: cache auto, readdirplus on, writeback and xattr off. */
    public static FuseServerConfig defaults() {
        return new FuseServerConfig(CachePolicy.AUTO, true, false, false);
    }

    /** Whether READDIRPLUS is offered: asked for, and allowed by the cache policy. */
    public boolean offersReaddirplus() {
        return readdirplus && cachePolicy.allowsReaddirplus;
    }
}
