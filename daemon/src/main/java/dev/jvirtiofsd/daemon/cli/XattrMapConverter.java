package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.fs.XattrMap;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses {@code --xattrmap} while the command line is parsed, so that a malformed map is a usage
 * error (exit status 2) naming the rule and character, as the Rust virtiofsd's value parser makes it.
 */
public final class XattrMapConverter implements ITypeConverter<XattrMap> {
    @Override
    public XattrMap convert(String value) {
        try {
            return XattrMap.parse(value);
        } catch (XattrMap.SyntaxException e) {
            throw new TypeConversionException("'" + oneLine(value) + "': " + e.getMessage());
        }
    }

    /** The map as written, its line breaks and other control characters escaped, for a one-line message. */
    static String oneLine(String value) {
        StringBuilder s = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n': s.append("\\n"); break;
                case '\t': s.append("\\t"); break;
                case '\r': s.append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        s.append(String.format("\\x%02x", (int) c));
                    } else {
                        s.append(c);
                    }
            }
        }
        return s.toString();
    }
}
