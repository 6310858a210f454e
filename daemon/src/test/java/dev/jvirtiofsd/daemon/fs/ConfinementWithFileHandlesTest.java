package dev.jvirtiofsd.daemon.fs;

/**
 * The confinement tests with every inode held as a file handle: a directory opened again by
 * handle must confine its lookups as its O_PATH fd did.
 */
class ConfinementWithFileHandlesTest extends ConfinementTest {
    @Override
    InodeFileHandles inodeFileHandles() {
        return InodeFileHandles.MANDATORY;
    }
}
