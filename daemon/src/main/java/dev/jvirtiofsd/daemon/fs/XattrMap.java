package dev.jvirtiofsd.daemon.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.jvirtiofsd.daemon.sys.Errno;

/**
 * The {@code --xattrmap} rules: which host name an extended-attribute name from the guest
 * stands for, and which host names a guest sees in a listing, in the rule language of the Rust
 * virtiofsd (its doc/xattr-mapping.md).
 *
 * <p>A map is a sequence of rules {@code :type:scope:key:prepend:}. A rule's separator is its
 * first character, any character at all, and must end each of its fields; each rule picks its
 * own. Whitespace may stand between rules, and the whole text is trimmed. Types:
 * <ul>
 * <li>{@code prefix}: a guest name gets {@code prepend} in front of it (all of it: {@code key}
 *     is not taken off); a host name loses {@code prepend};
 * <li>{@code ok}: the name passes unchanged;
 * <li>{@code bad}: a guest name is refused with EPERM (GETXATTR says ENODATA), a host name is
 *     hidden;
 * <li>{@code unsupported}: the same with EOPNOTSUPP;
 * <li>{@code map}, in the short form {@code :map:key:prepend:}: at most one, and the last rule;
 *     it stands for {@code :prefix:all:key:prepend:}, then, for a non-empty key,
 *     {@code :bad:all:prepend:key:} (the guest may not use the host names directly, the host's
 *     own key names are hidden) and {@code :ok:all:::}, or for an empty key {@code :bad:all:::}.
 * </ul>
 * Scopes: {@code client} rules match {@code key} against names from the guest (SETXATTR,
 * GETXATTR, REMOVEXATTR and security contexts), {@code server} rules match {@code prepend}
 * against the names of a host listing, {@code all} rules do both. The first rule of the right
 * scope whose key (or prepend) starts the name decides; an empty one matches every name.
 *
 * <p>A name no rule matches is refused with EOPNOTSUPP and hidden from listings, as if the map
 * ended in {@code :unsupported:all:::}, and logged once. (The Rust virtiofsd panics there; it
 * maps security.capability at start-up, so there it cannot even start with a map that has no
 * rule for that name, and the daemon refuses such a map too.)
 * Immutable once parsed, apart from that log-once flag.
 */
public final class XattrMap {
    private static final Logger LOG = LoggerFactory.getLogger(XattrMap.class);

    /** What a rule does with the names it matches. */
    enum Type {
        PREFIX("prefix"), OK("ok"), BAD("bad"), UNSUPPORTED("unsupported");

        final String word;

        Type(String word) {
            this.word = word;
        }
    }

    /** Which names a rule is matched against: the guest's, the host's, or both. */
    enum Scope {
        CLIENT("client", true, false), SERVER("server", false, true), ALL("all", true, true);

        final String word;
        final boolean client;
        final boolean server;

        Scope(String word, boolean client, boolean server) {
            this.word = word;
            this.client = client;
            this.server = server;
        }
    }

    /** One rule, as written or as a {@code map} rule expands. */
    static final class Rule {
        final Type type;
        final Scope scope;
        final byte[] key;
        final byte[] prepend;

        Rule(Type type, Scope scope, byte[] key, byte[] prepend) {
            this.type = type;
            this.scope = scope;
            this.key = key;
            this.prepend = prepend;
        }

        static Rule of(Type type, Scope scope, String key, String prepend) {
            return new Rule(type, scope, key.getBytes(StandardCharsets.UTF_8),
                    prepend.getBytes(StandardCharsets.UTF_8));
        }

        /** 0 for a rule that lets the guest's name through, else the errno it refuses the name with. */
        int refusal() {
            switch (type) {
                case BAD: return Errno.EPERM;
                case UNSUPPORTED: return Errno.EOPNOTSUPP;
                default: return 0;
            }
        }

        /** The host name for a guest name this (not refusing) rule matched. */
        byte[] hostName(byte[] guestName) {
            if (type != Type.PREFIX || prepend.length == 0) {
                return guestName;
            }
            byte[] host = Arrays.copyOf(prepend, prepend.length + guestName.length);
            System.arraycopy(guestName, 0, host, prepend.length, guestName.length);
            return host;
        }

        /** The length of {@link #hostName} for a guest name of {@code guestLength} bytes. */
        int hostNameLength(int guestLength) {
            return type == Type.PREFIX ? prepend.length + guestLength : guestLength;
        }

        /** How many leading bytes of a host name this (not hiding) rule takes off for the guest. */
        int strippedLength() {
            return type == Type.PREFIX ? prepend.length : 0;
        }

        /** Whether a host name this rule matched is left out of the guest's listing. */
        boolean hides() {
            return type == Type.BAD || type == Type.UNSUPPORTED;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Rule r && type == r.type && scope == r.scope && Arrays.equals(key, r.key)
                    && Arrays.equals(prepend, r.prepend);
        }

        @Override
        public int hashCode() {
            return Objects.hash(type, scope, Arrays.hashCode(key), Arrays.hashCode(prepend));
        }

        /** The rule written with ':' (for messages; a key with ':' in it would need another separator). */
        @Override
        public String toString() {
            return ":" + type.word + ":" + scope.word + ":" + new String(key, StandardCharsets.UTF_8) + ":"
                    + new String(prepend, StandardCharsets.UTF_8) + ":";
        }
    }

    /** What is wrong with a map's text. The Rust parser's InvalidDelimiter cannot happen: any character separates. */
    public enum ErrorKind {
        NO_RULES_PROVIDED, INVALID_TYPE, INVALID_SCOPE, INCOMPLETE_RULE, MAP_RULE_VIOLATION
    }

    /** A malformed map: what is wrong, in which rule (1-based) and at which character (1-based). */
    public static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        private final ErrorKind kind;
        private final int rule;
        private final int position;

        SyntaxException(ErrorKind kind, int rule, int position, String message) {
            super(rule == 0 ? message : "rule " + rule + " at character " + position + ": " + message);
            this.kind = kind;
            this.rule = rule;
            this.position = position;
        }

        public ErrorKind kind() {
            return kind;
        }

        /** The rule's number, counting from 1 as written; 0 when the problem is not in one rule. */
        public int rule() {
            return rule;
        }

        /** Where in the text (1-based, in characters) the problem was found; 0 when not in one rule. */
        public int position() {
            return position;
        }
    }

    /** The rule a name no rule matches is treated by. */
    private static final Rule UNMATCHED = Rule.of(Type.UNSUPPORTED, Scope.ALL, "", "");

    private final Rule[] rules;
    private final AtomicBoolean unmatchedGuestNameLogged = new AtomicBoolean();
    private final AtomicBoolean unmatchedHostNameLogged = new AtomicBoolean();

    private XattrMap(List<Rule> rules) {
        this.rules = rules.toArray(new Rule[0]);
    }

    /** Parses a map's text, as given to {@code --xattrmap}. */
    public static XattrMap parse(String text) throws SyntaxException {
        return new XattrMap(new Parser(text).rules());
    }

    /** The rules in the order they are tried, {@code map} rules expanded. */
    List<Rule> rules() {
        return List.of(rules);
    }

    /** The rule that decides a name from the guest. */
    Rule forGuestName(byte[] name) {
        Rule r = firstForGuestName(name);
        if (r != null) {
            return r;
        }
        if (unmatchedGuestNameLogged.compareAndSet(false, true)) {
            LOG.warn("no --xattrmap rule matches the guest's xattr name {}: refused with EOPNOTSUPP"
                    + " (logged once)", printable(name, 0, name.length));
        }
        return UNMATCHED;
    }

    /** The first rule whose scope and key match a name from the guest; null if none does. */
    Rule firstForGuestName(byte[] name) {
        for (Rule r : rules) {
            if (r.scope.client && startsWith(name, 0, name.length, r.key)) {
                return r;
            }
        }
        return null;
    }

    /** The rule that decides the host name {@code list[offset, offset + length)} of a listing. */
    Rule forHostName(byte[] list, int offset, int length) {
        for (Rule r : rules) {
            if (r.scope.server && startsWith(list, offset, length, r.prepend)) {
                return r;
            }
        }
        if (unmatchedHostNameLogged.compareAndSet(false, true)) {
            LOG.warn("no --xattrmap rule matches the host's xattr name {}: hidden from the guest (logged once)",
                    printable(list, offset, length));
        }
        return UNMATCHED;
    }

    /** Whether some rule matches {@code name} when the guest sends it. */
    public boolean hasRuleForGuestName(String name) {
        return firstForGuestName(name.getBytes(StandardCharsets.UTF_8)) != null;
    }

    /** Whether some rule matches every name from the guest (one of client scope with an empty key). */
    public boolean decidesEveryGuestName() {
        for (Rule r : rules) {
            if (r.scope.client && r.key.length == 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether some rule matches every host name (one of server scope with an empty prepend). */
    public boolean decidesEveryHostName() {
        for (Rule r : rules) {
            if (r.scope.server && r.prepend.length == 0) {
                return true;
            }
        }
        return false;
    }

    /** The expanded rules, each written with ':'. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Rule r : rules) {
            s.append(s.length() == 0 ? "" : " ").append(r);
        }
        return s.toString();
    }

    private static boolean startsWith(byte[] name, int offset, int length, byte[] prefix) {
        if (prefix.length > length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (name[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A name for a log line: bytes outside printable ASCII as \xNN, at most 255 of them. */
    private static String printable(byte[] name, int offset, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = offset; i < offset + Math.min(length, 255); i++) {
            int b = name[i] & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02x", b));
            }
        }
        return s.toString();
    }

    /** One pass over a map's text; positions are char indices into it. */
    private static final class Parser {
        private final String text;
        private final int end;
        private int at;
        private final List<Rule> rules = new ArrayList<>();

        Parser(String text) {
            this.text = text;
            // Trimmed as Rust's str::trim does: Unicode White_Space at both ends.
            int start = 0;
            int stop = text.length();
            while (start < stop && isUnicodeWhiteSpace(text.codePointAt(start))) {
                start += Character.charCount(text.codePointAt(start));
            }
            while (stop > start && isUnicodeWhiteSpace(text.codePointBefore(stop))) {
                stop -= Character.charCount(text.codePointBefore(stop));
            }
            this.at = start;
            this.end = stop;
        }

        List<Rule> rules() throws SyntaxException {
            while (at < end) {
                // Between rules only ASCII whitespace is skipped; anything else starts a rule.
                if (isAsciiWhitespace(text.charAt(at))) {
                    at++;
                    continue;
                }
                rule(rules.size() + 1);
            }
            if (rules.isEmpty()) {
                throw new SyntaxException(ErrorKind.NO_RULES_PROVIDED, 0, 0, "no rules");
            }
            return rules;
        }

        private void rule(int number) throws SyntaxException {
            int start = at;
            int delimiter = text.codePointAt(at);
            at += Character.charCount(delimiter);
            int typeAt = at;
            String typeWord = field(number, start, delimiter);
            if (typeWord.equals("map")) {
                String key = field(number, start, delimiter);
                String prepend = field(number, start, delimiter);
                if (at < end) {
                    throw new SyntaxException(ErrorKind.MAP_RULE_VIOLATION, number, position(at),
                            "a map rule must be the last rule, but more follows");
                }
                expandMap(key, prepend);
                return;
            }
            Type type = type(typeWord);
            if (type == null) {
                throw new SyntaxException(ErrorKind.INVALID_TYPE, number, position(typeAt), "invalid type '"
                        + typeWord + "' (expected prefix, ok, bad, unsupported or map)");
            }
            int scopeAt = at;
            String scopeWord = field(number, start, delimiter);
            Scope scope = scope(scopeWord);
            if (scope == null) {
                throw new SyntaxException(ErrorKind.INVALID_SCOPE, number, position(scopeAt), "invalid scope '"
                        + scopeWord + "' (expected all, client or server)");
            }
            String key = field(number, start, delimiter);
            String prepend = field(number, start, delimiter);
            rules.add(Rule.of(type, scope, key, prepend));
        }

        /** The text up to the next delimiter, which is passed. */
        private String field(int number, int ruleStart, int delimiter) throws SyntaxException {
            int from = at;
            while (at < end) {
                int c = text.codePointAt(at);
                if (c == delimiter) {
                    String value = text.substring(from, at);
                    at += Character.charCount(c);
                    return value;
                }
                at += Character.charCount(c);
            }
            throw new SyntaxException(ErrorKind.INCOMPLETE_RULE, number, position(from),
                    "incomplete rule: the field has no closing '" + new String(Character.toChars(delimiter))
                            + "' (the rule starts at character " + position(ruleStart) + ")");
        }

        private void expandMap(String key, String prepend) {
            rules.add(Rule.of(Type.PREFIX, Scope.ALL, key, prepend));
            if (key.isEmpty()) {
                rules.add(Rule.of(Type.BAD, Scope.ALL, "", ""));
            } else {
                rules.add(Rule.of(Type.BAD, Scope.ALL, prepend, key));
                rules.add(Rule.of(Type.OK, Scope.ALL, "", ""));
            }
        }

        /** 1-based, in characters (code points), as a reader counts. */
        private int position(int index) {
            return text.codePointCount(0, index) + 1;
        }

        private static Type type(String word) {
            for (Type t : Type.values()) {
                if (t.word.equals(word)) {
                    return t;
                }
            }
            return null;
        }

        private static Scope scope(String word) {
            for (Scope s : Scope.values()) {
                if (s.word.equals(word)) {
                    return s;
                }
            }
            return null;
        }

        /** Rust's u8::is_ascii_whitespace: space, tab, line feed, form feed, carriage return (no vertical tab). */
        private static boolean isAsciiWhitespace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
        }

        /** The Unicode White_Space property, which Rust's char::is_whitespace tests. */
        private static boolean isUnicodeWhiteSpace(int c) {
            return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680
                    || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                    || c == 0x3000;
        }
    }
}
