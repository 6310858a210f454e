package dev.jvirtiofsd.daemon.cli;

import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * Takes the value of {@code --option=value} as it is, as clap does, even when it starts with '-'
 * and looks like one of the short options (-o, -d, -f, -h, -V): {@code --modcaps=-dac_override},
 * {@code --xattrmap=-ok-all---}. Without '=' such a value is refused, as there.
 */
public final class AttachedValue implements IParameterPreprocessor {
    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
        if (!"=".equals(info.get("separator")) || args.isEmpty()) {
            return false; // not attached: picocli's own parsing
        }
        String value = args.pop();
        ITypeConverter<?>[] converters = argSpec.converters();
        try {
            argSpec.setValue(converters.length == 0 ? value : converters[0].convert(value));
        } catch (TypeConversionException e) {
            String name = argSpec instanceof OptionSpec o ? o.longestName() : argSpec.paramLabel();
            throw new ParameterException(commandSpec.commandLine(), "Invalid value for option '" + name + "': "
                    + e.getMessage(), e, argSpec, value);
        } catch (Exception e) {
            throw new ParameterException(commandSpec.commandLine(), e.getMessage(), e, argSpec, value);
        }
        return true;
    }
}
