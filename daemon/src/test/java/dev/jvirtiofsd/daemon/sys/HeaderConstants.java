package dev.jvirtiofsd.daemon.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numeric {@code #define}s (and enum members) read from installed C headers, so that hand-typed
 * constants can be checked against the source of truth. Understands the expression forms the
 * kernel headers use: literals, names defined earlier, casts, parentheses, | + - and <<.
 */
public final class HeaderConstants {
    private static final Pattern DEFINE = Pattern.compile("^\\s*#\\s*define\\s+(\\w+)\\s+(.+)$");
    private static final Pattern ENUM_MEMBER = Pattern.compile("^\\s*(\\w+)\\s*=\\s*([^,/]+),?\\s*(/\\*.*)?$");

    private final Map<String, String> raw = new HashMap<>();

    public HeaderConstants(List<Path> headers) throws IOException {
        for (Path header : headers) {
            for (String line : Files.readAllLines(header)) {
                String text = line.replaceAll("/\\*.*?\\*/", "").replaceAll("/\\*.*$", "").trim();
                Matcher m = DEFINE.matcher(text);
                if (m.matches()) {
                    raw.putIfAbsent(m.group(1), m.group(2).trim());
                    continue;
                }
                Matcher e = ENUM_MEMBER.matcher(text);
                if (e.matches()) {
                    raw.putIfAbsent(e.group(1), e.group(2).trim());
                }
            }
        }
    }

    /** The value of {@code name}, or null if it is not defined or not a number. */
    public Long value(String name) {
        return value(name, 0);
    }

    private Long value(String name, int depth) {
        String expression = raw.get(name);
        if (expression == null || depth > 20) {
            return null;
        }
        try {
            return new Parser(expression.replaceAll("\\(\\s*__\\w+\\s*\\)", " "), depth).parse();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private final class Parser {
        private final String s;
        private final int depth;
        private int pos;

        Parser(String s, int depth) {
            this.s = s;
            this.depth = depth;
        }

        long parse() {
            long v = or();
            skipSpace();
            if (pos != s.length()) {
                throw new IllegalArgumentException(s);
            }
            return v;
        }

        private long or() {
            long v = shift();
            while (eat('|')) {
                v |= shift();
            }
            return v;
        }

        private long shift() {
            long v = sum();
            while (eat2("<<")) {
                v <<= sum();
            }
            return v;
        }

        private long sum() {
            long v = atom();
            while (true) {
                if (eat('+')) {
                    v += atom();
                } else if (peek() == '-') {
                    pos++;
                    v -= atom();
                } else {
                    return v;
                }
            }
        }

        private long atom() {
            skipSpace();
            if (eat('(')) {
                long v = or();
                if (!eat(')')) {
                    throw new IllegalArgumentException(s);
                }
                return v;
            }
            if (eat('-')) {
                return -atom();
            }
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
            String token = s.substring(start, pos);
            if (token.isEmpty()) {
                throw new IllegalArgumentException(s);
            }
            if (Character.isDigit(token.charAt(0))) {
                String digits = token.replaceAll("[uUlL]+$", "");
                if (digits.startsWith("0x") || digits.startsWith("0X")) {
                    return Long.parseLong(digits.substring(2), 16);
                }
                if (digits.length() > 1 && digits.startsWith("0")) {
                    return Long.parseLong(digits.substring(1), 8);
                }
                return Long.parseLong(digits);
            }
            Long v = value(token, depth + 1);
            if (v == null) {
                throw new IllegalArgumentException(token);
            }
            return v;
        }

        private char peek() {
            skipSpace();
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private boolean eat(char c) {
            if (peek() == c) {
                pos++;
                return true;
            }
            return false;
        }

        private boolean eat2(String op) {
            skipSpace();
            if (s.startsWith(op, pos)) {
                pos += op.length();
                return true;
            }
            return false;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }
    }
}
