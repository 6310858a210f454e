package dev.jvirtiofsd.daemon.idmap;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.sys.Errno;

/**
 * The uid and gid translation between guest and host ({@code --translate-uid},
 * {@code --translate-gid}), as in the Rust virtiofsd: for each of uids and gids, two independent
 * maps, guest to host (the requester's identity, chown) and host to guest (the owners the guest
 * sees). An id no rule covers maps to itself, so {@link #IDENTITY} (no rules) changes nothing.
 * Immutable and shared by every thread; no lookup allocates.
 */
public final class IdTranslation {
    private static final Logger LOG = LoggerFactory.getLogger(IdTranslation.class);

    /** What {@link #hostUid} and {@link #hostGid} answer for an id a {@code forbid-guest} rule covers. */
    public static final long FORBIDDEN = IdRangeMap.FORBIDDEN;

    /** No translation: every id maps to itself. */
    public static final IdTranslation IDENTITY = new IdTranslation(IdRangeMap.EMPTY, IdRangeMap.EMPTY,
            IdRangeMap.EMPTY, IdRangeMap.EMPTY);

    private final IdRangeMap uidToHost;
    private final IdRangeMap uidToGuest;
    private final IdRangeMap gidToHost;
    private final IdRangeMap gidToGuest;
    private final boolean identity;
    private final AtomicBoolean forbiddenLogged = new AtomicBoolean();

    private IdTranslation(IdRangeMap uidToHost, IdRangeMap uidToGuest, IdRangeMap gidToHost, IdRangeMap gidToGuest) {
        this.uidToHost = uidToHost;
        this.uidToGuest = uidToGuest;
        this.gidToHost = gidToHost;
        this.gidToGuest = gidToGuest;
        this.identity = uidToHost.isEmpty() && uidToGuest.isEmpty() && gidToHost.isEmpty() && gidToGuest.isEmpty();
    }

    /**
     * The translation the rules describe, in the order given.
     *
     * @throws IllegalArgumentException naming the rule (and its number among its option's rules)
     *     whose source range overlaps an earlier one of the same direction, or whose range runs
     *     past the largest id
     */
    public static IdTranslation of(List<IdMapRule> uidRules, List<IdMapRule> gidRules) {
        if (uidRules.isEmpty() && gidRules.isEmpty()) {
            return IDENTITY;
        }
        IdRangeMap.Builder uidToHost = new IdRangeMap.Builder("--translate-uid", "guest", "uids");
        IdRangeMap.Builder uidToGuest = new IdRangeMap.Builder("--translate-uid", "host", "uids");
        IdRangeMap.Builder gidToHost = new IdRangeMap.Builder("--translate-gid", "guest", "gids");
        IdRangeMap.Builder gidToGuest = new IdRangeMap.Builder("--translate-gid", "host", "gids");
        addAll(uidRules, "--translate-uid", "uid", uidToHost, uidToGuest);
        addAll(gidRules, "--translate-gid", "gid", gidToHost, gidToGuest);
        return new IdTranslation(uidToHost.build(), uidToGuest.build(), gidToHost.build(), gidToGuest.build());
    }

    private static void addAll(List<IdMapRule> rules, String option, String id, IdRangeMap.Builder toHost,
            IdRangeMap.Builder toGuest) {
        for (int i = 0; i < rules.size(); i++) {
            IdMapRule r = rules.get(i);
            int n = i + 1;
            String where = option + " rule " + n + ", '" + r + "': ";
            switch (r.type()) {
                case GUEST -> {
                    checkRange(where, "guest " + id, r.from(), r.count());
                    checkRange(where, "host " + id, r.to(), r.count());
                    toHost.range(r, n, r.from(), r.count(), r.to());
                }
                case HOST -> {
                    checkRange(where, "host " + id, r.from(), r.count());
                    checkRange(where, "guest " + id, r.to(), r.count());
                    toGuest.range(r, n, r.from(), r.count(), r.to());
                }
                case SQUASH_GUEST -> {
                    checkRange(where, "guest " + id, r.from(), r.count());
                    checkTarget(where, r.to());
                    toHost.squash(r, n, r.from(), r.count(), r.to());
                }
                case SQUASH_HOST -> {
                    checkRange(where, "host " + id, r.from(), r.count());
                    checkTarget(where, r.to());
                    toGuest.squash(r, n, r.from(), r.count(), r.to());
                }
                case FORBID_GUEST -> {
                    checkRange(where, "guest " + id, r.from(), r.count());
                    toHost.forbid(r, n, r.from(), r.count());
                }
                case MAP -> {
                    checkRange(where, "guest " + id, r.from(), r.count());
                    checkRange(where, "host " + id, r.to(), r.count());
                    toHost.range(r, n, r.from(), r.count(), r.to());
                    toGuest.range(r, n, r.to(), r.count(), r.from());
                }
                default -> throw new IllegalStateException(r.type().toString());
            }
        }
    }

    /** As the Rust virtiofsd: first + count must fit 32 bits, so a range never holds 4294967295. */
    private static void checkRange(String where, String what, long first, long count) {
        if (first + count > IdMapRule.MAX_ID) {
            throw new IllegalArgumentException(where + "the " + what + " range " + first + " + " + count
                    + " overflows: a range ends at " + (IdMapRule.MAX_ID - 1) + " at most");
        }
    }

    /** 4294967295 is (uid_t) -1, which chown and setresuid take as "leave unchanged". */
    private static void checkTarget(String where, long id) {
        if (id == IdMapRule.MAX_ID) {
            throw new IllegalArgumentException(where + IdMapRule.MAX_ID
                    + " is not an id ((uid_t) -1 means 'unchanged' to chown and setresuid)");
        }
    }

    /** Whether no rule was given: every id maps to itself and callers may skip translating. */
    public boolean isIdentity() {
        return identity;
    }

    /** The host uid for guest uid {@code guestUid}, unsigned in a long, or {@link #FORBIDDEN}. */
    public long hostUid(int guestUid) {
        return uidToHost.map(guestUid);
    }

    /** The host gid for guest gid {@code guestGid}, unsigned in a long, or {@link #FORBIDDEN}. */
    public long hostGid(int guestGid) {
        return gidToHost.map(guestGid);
    }

    /** The uid the guest sees for host uid {@code hostUid} (never forbidden: only guest ids can be). */
    public int guestUid(int hostUid) {
        return (int) uidToGuest.map(hostUid);
    }

    /** The gid the guest sees for host gid {@code hostGid}. */
    public int guestGid(int hostGid) {
        return (int) gidToGuest.map(hostGid);
    }

    /**
     * The answer to a request that used a forbidden guest id: -EPERM (the Rust virtiofsd answers
     * EIO). Logged once at warn level, later ones at debug level.
     *
     * @param what which id it was, e.g. "uid", "gid", "supplementary gid", "chown uid"
     * @param guestId the id, unsigned
     */
    public int refuse(String what, int guestId) {
        if (forbiddenLogged.compareAndSet(false, true)) {
            LOG.warn("refused a request using forbidden guest {} {} (EPERM); further ones are logged at debug level",
                    what, Integer.toUnsignedString(guestId));
        } else {
            LOG.debug("refused a request using forbidden guest {} {} (EPERM)", what, Integer.toUnsignedString(guestId));
        }
        return -Errno.EPERM;
    }
}
