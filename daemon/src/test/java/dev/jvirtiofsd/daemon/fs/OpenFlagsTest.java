package dev.jvirtiofsd.daemon.fs;

import static dev.jvirtiofsd.daemon.sys.Fcntl.O_APPEND;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_CLOEXEC;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_CREAT;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_DIRECT;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_DIRECTORY;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_EXCL;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_NOATIME;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_NOFOLLOW;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_PATH;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_RDONLY;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_RDWR;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_SYNC;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_TMPFILE;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_TRUNC;
import static dev.jvirtiofsd.daemon.sys.Fcntl.O_WRONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OpenFlagsTest {
    private static int host(int guest, boolean writeback, boolean noatime, boolean directIo) {
        return OpenFlags.toHost(guest, writeback, noatime, directIo);
    }

    @Test
    void appendIsAlwaysClearedAndCloexecAlwaysAdded() {
        assertEquals(O_WRONLY | O_CLOEXEC, host(O_WRONLY | O_APPEND, false, false, false));
        assertEquals(O_RDONLY | O_CLOEXEC, host(O_RDONLY, false, false, false));
    }

    @Test
    void noatimeAndDirectAreKeptOnlyWhenAllowed() {
        assertEquals(O_RDONLY | O_CLOEXEC, host(O_NOATIME | O_DIRECT, false, false, false));
        assertEquals(O_NOATIME | O_CLOEXEC, host(O_NOATIME | O_DIRECT, false, true, false));
        assertEquals(O_DIRECT | O_CLOEXEC, host(O_NOATIME | O_DIRECT, false, false, true));
    }

    @Test
    void writebackMakesWriteOnlyReadWrite() {
        assertEquals(O_RDWR | O_CLOEXEC, host(O_WRONLY, true, false, false));
        assertEquals(O_RDWR | O_CLOEXEC, host(O_WRONLY | O_APPEND, true, false, false));
        assertEquals(O_RDONLY | O_CLOEXEC, host(O_RDONLY, true, false, false));
    }

    @Test
    void theDaemonsOwnFlagsAreNotTheGuestsToSet() {
        assertEquals(O_RDWR | O_TRUNC | O_SYNC | O_CLOEXEC,
                host(O_RDWR | O_TRUNC | O_SYNC | O_CREAT | O_EXCL | O_NOFOLLOW | O_PATH, false, false, false));
        assertEquals(O_DIRECTORY | O_CLOEXEC, host(O_TMPFILE, false, false, false),
                "O_TMPFILE's own bit goes; the O_DIRECTORY it includes is a plain O_DIRECTORY");
        assertEquals(O_RDONLY | O_CLOEXEC, host(0x80000000 | 020000, false, false, false), "unknown bits and O_ASYNC");
    }
}
