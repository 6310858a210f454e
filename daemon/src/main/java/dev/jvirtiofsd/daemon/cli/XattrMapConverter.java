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
            throw new TypeConversionException("'" + value + "': " + e.getMessage());
        }
    }
}
