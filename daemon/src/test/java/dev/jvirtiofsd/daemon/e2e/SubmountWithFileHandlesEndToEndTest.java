package dev.jvirtiofsd.daemon.e2e;

/** The submount tests with every inode held as a file handle (tmpfs and ext4 both give them). */
class SubmountWithFileHandlesEndToEndTest extends SubmountEndToEndTest {
    @Override
    String[] daemonArgs() {
        return new String[] {"--inode-file-handles=mandatory"};
    }
}
