package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import dev.jvirtiofsd.daemon.idmap.IdMapSyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A value of {@code --translate-uid}/{@code --translate-gid}: one rule, or a usage error saying where it is wrong. */
public final class IdMapRuleConverter implements ITypeConverter<IdMapRule> {
    @Override
    public IdMapRule convert(String value) {
        try {
            return IdMapRule.parse(value);
        } catch (IdMapSyntaxException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
