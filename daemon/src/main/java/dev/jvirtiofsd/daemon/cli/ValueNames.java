package dev.jvirtiofsd.daemon.cli;

import dev.jvirtiofsd.daemon.CachePolicy;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/**
 * The values of an option whose type is an enum, in lower case as the Rust virtiofsd writes them
 * (the parser takes any case): what the bash completion offers.
 */
public abstract class ValueNames implements Iterable<String> {
    private final Class<? extends Enum<?>> type;

    ValueNames(Class<? extends Enum<?>> type) {
        this.type = type;
    }

    @Override
    public Iterator<String> iterator() {
        return Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).iterator();
    }

    /** {@code --cache}. */
    public static final class Cache extends ValueNames {
        public Cache() {
            super(CachePolicy.class);
        }
    }

    /** {@code --sandbox}. */
    public static final class Sandbox extends ValueNames {
        public Sandbox() {
            super(SandboxMode.class);
        }
    }

    /** {@code --seccomp}. */
    public static final class Seccomp extends ValueNames {
        public Seccomp() {
            super(SeccompAction.class);
        }
    }

    /** {@code --log-level}. */
    public static final class Log extends ValueNames {
        public Log() {
            super(LogLevel.class);
        }
    }
}
