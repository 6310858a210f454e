package dev.jvirtiofsd.daemon.idmap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One direction of one id kind (e.g. guest uid to host uid): disjoint source ranges, each mapped
 * one to one onto a target range, squashed onto one target id, or forbidden. An id outside every
 * range maps to itself. Immutable; a lookup is a binary search over a few sorted arrays and
 * allocates nothing.
 */
final class IdRangeMap {
    /** What {@link #map} answers for a forbidden id. */
    static final long FORBIDDEN = -1;

    static final IdRangeMap EMPTY = new Builder("", "", "").build();

    private static final byte RANGE = 0;
    private static final byte SQUASH = 1;
    private static final byte FORBID = 2;

    /** Sorted by start; [starts[i], ends[i]) never overlap. */
    private final long[] starts;
    private final long[] ends;
    private final long[] targets;
    private final byte[] kinds;

    private IdRangeMap(List<Entry> entries) {
        int n = entries.size();
        starts = new long[n];
        ends = new long[n];
        targets = new long[n];
        kinds = new byte[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            starts[i] = e.start;
            ends[i] = e.end;
            targets[i] = e.target;
            kinds[i] = e.kind;
        }
    }

    boolean isEmpty() {
        return starts.length == 0;
    }

    /** The id {@code id} (unsigned) maps to, unsigned in a long, or {@link #FORBIDDEN}. */
    long map(int id) {
        long v = Integer.toUnsignedLong(id);
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] > v) {
                hi = mid - 1;
            } else if (ends[mid] <= v) {
                lo = mid + 1;
            } else {
                switch (kinds[mid]) {
                    case RANGE:
                        return targets[mid] + (v - starts[mid]);
                    case SQUASH:
                        return targets[mid];
                    default:
                        return FORBIDDEN;
                }
            }
        }
        return v;
    }

    private record Entry(long start, long end, long target, byte kind, IdMapRule rule, int ruleNumber) {
    }

    /** Collects the ranges of one direction and refuses one that overlaps another. */
    static final class Builder {
        private final List<Entry> entries = new ArrayList<>();
        private final String option;
        private final String source;
        private final String ids;

        /**
         * @param option the option the rules came from, for messages (e.g. "--translate-uid")
         * @param source the side the ids come from, for messages ("guest" or "host")
         * @param ids what they are, for messages ("uids" or "gids")
         */
        Builder(String option, String source, String ids) {
            this.option = option;
            this.source = source;
            this.ids = ids;
        }

        /** Source [from, from+count) to target [to, to+count). */
        void range(IdMapRule rule, int ruleNumber, long from, long count, long to) {
            add(new Entry(from, from + count, to, RANGE, rule, ruleNumber));
        }

        /** Source [from, from+count) all to target {@code to}. */
        void squash(IdMapRule rule, int ruleNumber, long from, long count, long to) {
            add(new Entry(from, from + count, to, SQUASH, rule, ruleNumber));
        }

        /** Source [from, from+count) refused. */
        void forbid(IdMapRule rule, int ruleNumber, long from, long count) {
            add(new Entry(from, from + count, 0, FORBID, rule, ruleNumber));
        }

        private void add(Entry e) {
            if (e.start == e.end) {
                return; // a count of 0 maps nothing
            }
            for (Entry other : entries) {
                if (e.start < other.end && other.start < e.end) {
                    throw new IllegalArgumentException(option + " rule " + e.ruleNumber + ", '" + e.rule
                            + "': its " + source + " " + ids + " " + e.start + " to " + (e.end - 1)
                            + " overlap those of rule " + other.ruleNumber + ", '" + other.rule + "' ("
                            + Math.max(e.start, other.start) + " to " + (Math.min(e.end, other.end) - 1) + ")");
                }
            }
            entries.add(e);
        }

        IdRangeMap build() {
            List<Entry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparingLong(Entry::start));
            return new IdRangeMap(sorted);
        }
    }
}
