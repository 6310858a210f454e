package dev.jvirtiofsd.daemon.cli;

import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * For an option whose value must follow '=', as clap's {@code require_equals} makes it in the Rust
 * virtiofsd ({@code --inode-file-handles=prefer}): the separate form is refused in clap's words,
 * the attached value is taken as it is ({@link AttachedValue}).
 */
public final class EqualsOnly implements IParameterPreprocessor {
    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec, Map<String, Object> info) {
        if (!"=".equals(info.get("separator"))) {
            String name = argSpec instanceof OptionSpec o ? o.longestName() : argSpec.paramLabel();
            throw new ParameterException(commandSpec.commandLine(), "equal sign is needed when assigning values to '"
                    + name + "=<" + argSpec.paramLabel() + ">'");
        }
        return new AttachedValue().preprocess(args, commandSpec, argSpec, info);
    }
}
