package dev.jvirtiofsd.daemon.cli;

/**
 * One {@code --uid-map} or {@code --gid-map} entry: {@code count} ids from {@code inside} in the
 * user namespace of an unprivileged daemon's sandbox map to ids from {@code outside} on the host.
 * Written {@code :inside:outside:count:}, with any non-alphanumeric delimiter, the same first and
 * last, as the Rust virtiofsd reads it. The namespace itself is made by bin/namespace-supervisor.
 */
public record UserNamespaceMap(long inside, long outside, long count) {
    private static final long MAX_ID = 0xffff_ffffL;

    /**
     * Parses {@code value}; {@code option} names the option in the message.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static UserNamespaceMap parse(String option, String value) {
        String expected = "invalid value '" + value + "' for '" + option
                + "': expected :inside:outside:count: with a non-alphanumeric delimiter";
        if (value.length() < 2) {
            throw new IllegalArgumentException(expected);
        }
        int delimiter = value.codePointBefore(value.length());
        if (Character.isLetterOrDigit(delimiter) || value.codePointAt(0) != delimiter) {
            throw new IllegalArgumentException(expected);
        }
        String d = new String(Character.toChars(delimiter));
        String inner = value.substring(d.length(), value.length() - d.length());
        String[] fields = inner.split(java.util.regex.Pattern.quote(d), -1);
        if (value.length() < 2 * d.length() || fields.length != 3) {
            throw new IllegalArgumentException(expected);
        }
        long[] ids = new long[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = id(fields[i], expected);
        }
        return new UserNamespaceMap(ids[0], ids[1], ids[2]);
    }

    private static long id(String field, String expected) {
        String digits = field.startsWith("+") ? field.substring(1) : field;
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(expected);
        }
        long id = Long.parseLong(digits);
        if (id > MAX_ID) {
            throw new IllegalArgumentException(expected);
        }
        return id;
    }

    /** As /proc/PID/uid_map lists it: inside, outside, count. */
    public String procLine() {
        return inside + " " + outside + " " + count;
    }
}
