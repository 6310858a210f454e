package dev.jvirtiofsd.daemon.e2e;

/**
 * The same end-to-end suite with every inode held as a file handle
 * ({@code --inode-file-handles=mandatory}; the temporary directory's ext4 or tmpfs gives them,
 * and root has CAP_DAC_READ_SEARCH).
 */
class DaemonWithFileHandlesEndToEndTest extends DaemonEndToEndTest {
    @Override
    String[] daemonArgs() {
        return new String[] {"--xattr", "--inode-file-handles=mandatory"};
    }
}
