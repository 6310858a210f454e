package dev.jvirtiofsd.daemon.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the implementation version from the jar manifest. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Options.class.getPackage().getImplementationVersion();
        return new String[] {"jvirtiofsd " + (v != null ? v : "development build")};
    }
}
