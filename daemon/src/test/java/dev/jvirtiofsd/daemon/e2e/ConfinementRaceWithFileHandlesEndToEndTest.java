package dev.jvirtiofsd.daemon.e2e;

/** The confinement race with every inode held as a file handle, opened again for each request. */
class ConfinementRaceWithFileHandlesEndToEndTest extends ConfinementRaceEndToEndTest {
    @Override
    String[] daemonArgs() {
        return new String[] {"--xattr", "--inode-file-handles=mandatory"};
    }
}
