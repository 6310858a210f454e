package dev.jvirtiofsd.daemon.idmap;

/** A {@code --translate-uid}/{@code --translate-gid} rule that does not parse, with where it goes wrong. */
public final class IdMapSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int column;

    /**
     * @param text the rule as written
     * @param column where it goes wrong: 1 is its first character, {@code text.length() + 1} its end
     * @param problem what is wrong there
     */
    IdMapSyntaxException(String text, int column, String problem) {
        super("'" + text + "' at character " + column + ": " + problem);
        this.column = column;
    }

    /** Where the rule goes wrong: 1 is its first character, its length + 1 its end. */
    public int column() {
        return column;
    }
}
