package dev.jvirtiofsd.daemon.idmap;

import java.util.Locale;

/**
 * One {@code --translate-uid} or {@code --translate-gid} rule as the Rust virtiofsd writes it:
 * {@code TYPE:FROM:TO:COUNT}, or {@code forbid-guest:FROM:COUNT}. The separator is the first
 * character that is neither a letter, a digit, {@code -} nor {@code _}, and every field uses the
 * same one ({@code map/1000/200/1} is {@code map:1000:200:1}); the type is case-insensitive.
 * Ids are unsigned 32-bit numbers, held in longs.
 *
 * @param type what the rule maps, and in which direction
 * @param from the first id of the source range (a guest id, or a host id for {@code host} and
 *     {@code squash-host})
 * @param to the first id of the target range, or the one target id of a squash; 0 for
 *     {@code forbid-guest}
 * @param count how many ids the source range holds
 * @param text the rule as written
 */
public record IdMapRule(Type type, long from, long to, long count, String text) {

    /** The largest value a field may have: ids are 32-bit. */
    public static final long MAX_ID = 0xFFFF_FFFFL;

    /** The rule types, by their command-line names. */
    public enum Type {
        /** guest [from, from+count) to host [to, to+count), one to one; host ids are not mapped back. */
        GUEST("guest", "guest:GUEST:HOST:COUNT"),
        /** host [from, from+count) to guest [to, to+count), one to one; guest ids are not mapped back. */
        HOST("host", "host:HOST:GUEST:COUNT"),
        /** every guest id in [from, from+count) to the one host id {@code to}. */
        SQUASH_GUEST("squash-guest", "squash-guest:GUEST:HOST:COUNT"),
        /** every host id in [from, from+count) to the one guest id {@code to}. */
        SQUASH_HOST("squash-host", "squash-host:HOST:GUEST:COUNT"),
        /** guest ids in [from, from+count) are refused: a request that uses one fails with EPERM. */
        FORBID_GUEST("forbid-guest", "forbid-guest:GUEST:COUNT"),
        /** guest [from, from+count) and host [to, to+count) map onto each other, both ways. */
        MAP("map", "map:GUEST:HOST:COUNT");

        final String name;
        final String form;

        Type(String name, String form) {
            this.name = name;
            this.form = form;
        }

        /** The number of numeric fields after the type. */
        int fields() {
            return this == FORBID_GUEST ? 2 : 3;
        }

        static Type named(String name) {
            for (Type t : values()) {
                if (t.name.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * Parses one rule.
     *
     * @throws IdMapSyntaxException naming the character where the rule goes wrong
     */
    public static IdMapRule parse(String text) {
        int sep = 0;
        while (sep < text.length()) {
            int c = text.codePointAt(sep);
            if (!Character.isLetterOrDigit(c) && c != '-' && c != '_') {
                break;
            }
            sep += Character.charCount(c);
        }
        if (sep == text.length()) {
            throw new IdMapSyntaxException(text, text.length() + 1,
                    "expected TYPE:FROM:TO:COUNT (e.g. map:1000:200:1), found no separator after the type");
        }
        String typeName = text.substring(0, sep).toLowerCase(Locale.ROOT);
        Type type = Type.named(typeName);
        if (type == null) {
            throw new IdMapSyntaxException(text, 1, "unknown type '" + text.substring(0, sep)
                    + "'; expected guest, host, squash-guest, squash-host, forbid-guest or map");
        }
        int separator = text.codePointAt(sep);
        long[] values = new long[3];
        int n = 0;
        int start = sep + Character.charCount(separator);
        while (true) {
            int end = text.indexOf(separator, start);
            int fieldEnd = end < 0 ? text.length() : end;
            if (n == type.fields()) {
                throw new IdMapSyntaxException(text, start + 1, type.name + " takes " + type.fields()
                        + " numbers (" + type.form + "), found more");
            }
            values[n++] = number(text, start, fieldEnd);
            if (end < 0) {
                break;
            }
            start = end + Character.charCount(separator);
        }
        if (n < type.fields()) {
            throw new IdMapSyntaxException(text, text.length() + 1, type.name + " takes " + type.fields()
                    + " numbers (" + type.form + "), found " + n);
        }
        return type == Type.FORBID_GUEST
                ? new IdMapRule(type, values[0], 0, values[1], text)
                : new IdMapRule(type, values[0], values[1], values[2], text);
    }

    /** The decimal number in {@code text[start, end)}: ASCII digits, an optional leading '+', at most 2^32 - 1. */
    private static long number(String text, int start, int end) {
        String field = text.substring(start, end);
        int i = field.startsWith("+") ? 1 : 0;
        if (i == field.length()) {
            throw new IdMapSyntaxException(text, start + 1, field.isEmpty()
                    ? "empty field where a number belongs" : "'" + field + "' is not a number");
        }
        long value = 0;
        for (; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c < '0' || c > '9') {
                throw new IdMapSyntaxException(text, start + 1, "'" + field + "' is not a number");
            }
            value = value * 10 + (c - '0');
            if (value > MAX_ID) {
                throw new IdMapSyntaxException(text, start + 1, field + " is larger than " + MAX_ID);
            }
        }
        return value;
    }

    @Override
    public String toString() {
        return text;
    }
}
