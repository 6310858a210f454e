package dev.jvirtiofsd.daemon.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks 1 to 4 on real directories: what the share is, who may write it, its parents. */
class ShareDirectoryChecksTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "gives directories to other users");
    }

    private Path share(int uid, int gid, String mode) throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("vfs"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        Path share = Files.createDirectory(parent.resolve("share"));
        Files.setAttribute(share, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(share, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(share, PosixFilePermissions.fromString(mode));
        return share;
    }

    private static Report guestWrite(Path share, int uid, int gid, String... translate) throws Exception {
        Report r = new Report();
        CheckSetup s = CheckFixture.setup(share, uid, gid, null, translate);
        ShareDirectoryChecks.guestCanWrite(r, share, uid, gid, s.daemon().translateUid, s.daemon().translateGid);
        return r;
    }

    @Test
    void aMissingDirectoryAFileAndASymbolicLinkEachGetTheirFix() throws Exception {
        Report r = new Report();
        assertFalse(ShareDirectoryChecks.isDirectory(r, tmp.resolve("missing")));
        assertEquals(List.of("mkdir -p " + tmp.resolve("missing")), CheckFixture.problems(r).get(0).fix());

        r = new Report();
        assertFalse(ShareDirectoryChecks.isDirectory(r, Files.writeString(tmp.resolve("file"), "x")));
        assertEquals(tmp.resolve("file") + " is not a directory", CheckFixture.problems(r).get(0).text());

        r = new Report();
        Path real = Files.createDirectory(tmp.resolve("real"));
        assertFalse(ShareDirectoryChecks.isDirectory(r, Files.createSymbolicLink(tmp.resolve("link"), real)));
        assertEquals(List.of("--shared-dir=" + real.toRealPath()), CheckFixture.problems(r).get(0).fix());

        r = new Report();
        assertTrue(ShareDirectoryChecks.isDirectory(r, real));
        assertEquals(0, r.problems());
    }

    /** The Proxmox how-to's failure: the share is 200's, the guest user 1000, ids pass unchanged. */
    @Test
    void aGuestUserWhoseIdsDoNotOwnTheShareGetsTheTranslationThatFixesIt() throws Exception {
        Path share = share(200, 200, "rwxr-xr-x");
        Report r = guestWrite(share, 1000, 1000);
        Report.Finding p = CheckFixture.problems(r).get(0);
        assertEquals("guest user 1000:1000 cannot write " + share + ": it has owner 200:200, mode 0755, and the "
                + "guest's ids reach the host as 1000:1000", p.text());
        assertEquals(List.of("--translate-uid map:1000:200:1 --translate-gid map:1000:200:1",
                "(or give the share to the guest's ids on the host: chown 1000:1000 " + share + ")"), p.fix());

        // The fix applied: the guest user writes as 200:200.
        r = guestWrite(share, 1000, 1000, "uid map:1000:200:1", "gid map:1000:200:1");
        assertEquals(0, r.problems(), CheckFixture.text(r));
        assertTrue(CheckFixture.text(r).contains("ok: guest user 1000:1000 (on the host 200:200 after "
                + "--translate-uid/--translate-gid) can write " + share), CheckFixture.text(r));

        // A translation to the wrong host user is no fix, and the suggestion says it replaces it.
        r = guestWrite(share, 1000, 1000, "uid map:1000:300:1");
        assertTrue(CheckFixture.problems(r).get(0).fix().get(0).endsWith("(in place of the rules given for these ids)"));
    }

    @Test
    void groupAndOtherBitsAndTheOwnersOwnBitsDecide() throws Exception {
        assertEquals(0, guestWrite(share(200, 1000, "rwxrwxr-x"), 1000, 1000).problems(), "group writable");
        Files.walk(tmp).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(tmp))
                .forEach(p -> p.toFile().delete());
        assertEquals(0, guestWrite(share(200, 200, "rwxrwxrwx"), 1000, 1000).problems(), "writable by all");
        Files.walk(tmp).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(tmp))
                .forEach(p -> p.toFile().delete());
        Path readOnly = share(1000, 1000, "r-xr-xr-x");
        assertEquals(List.of("chmod u+wx " + readOnly), CheckFixture.problems(guestWrite(readOnly, 1000, 1000))
                .get(0).fix(), "the owner without w");
        assertEquals(0, guestWrite(readOnly, 0, 0).problems(), "guest root is host root");
    }

    @Test
    void aRootOwnedShareIsNeverFixedByMappingTheGuestOntoRoot() throws Exception {
        Path share = share(0, 0, "rwxr-xr-x");
        Report.Finding p = CheckFixture.problems(guestWrite(share, 1000, 1000)).get(0);
        assertEquals("chown 1000:1000 " + share, p.fix().get(0));
        assertFalse(p.fix().stream().anyMatch(l -> l.contains("map:1000:0:")), p.fix().toString());
    }

    @Test
    void aForbiddenGuestUserAndBadRulesAreProblemsToo() throws Exception {
        Path share = share(1000, 1000, "rwxr-xr-x");
        Report r = guestWrite(share, 1000, 1000, "uid forbid-guest:1000:1");
        assertTrue(CheckFixture.problems(r).get(0).text().contains("is refused by a forbid-guest rule"));
        r = guestWrite(share, 1000, 1000, "uid map:1000:200:10", "uid map:1005:300:1");
        assertTrue(CheckFixture.problems(r).get(0).text().startsWith("the id translation rules are refused"),
                CheckFixture.text(r));
    }

    @Test
    void withoutTheGuestsIdsOnlyANoteSaysWhatToGive() throws Exception {
        Report r = new Report();
        ShareDirectoryChecks.guestCanWrite(r, share(200, 200, "rwxr-xr-x"), null, null, List.of(), List.of());
        assertEquals(Report.Kind.NOTE, r.findings().get(0).kind());
        assertEquals(0, r.problems());
    }

    @Test
    void aParentOpenToHostUsersIsAProblemAPrivateOneIsNot() throws Exception {
        Path share = share(0, 0, "rwxr-xr-x");
        Report r = new Report();
        ShareDirectoryChecks.parentPrivate(r, share);
        assertEquals(0, r.problems(), CheckFixture.text(r));

        Files.setPosixFilePermissions(share.getParent(), PosixFilePermissions.fromString("rwxr-x--x"));
        r = new Report();
        ShareDirectoryChecks.parentPrivate(r, share);
        Report.Finding p = CheckFixture.problems(r).get(0);
        assertEquals("the parent " + share.getParent() + " of the share is mode 0751: host users can enter the share "
                + "and run setuid programs the guest created in it", p.text());
        assertEquals("chmod 0700 " + share.getParent(), p.fix().get(0));
    }

    @Test
    void rootNeedsNoSearchBitsOnTheParents() throws Exception {
        Path share = share(0, 0, "rwxr-xr-x");
        Report r = new Report();
        ShareDirectoryChecks.parentsSearchable(r, share, CheckFixture.setup(share, null, null, null));
        assertEquals(Report.Kind.OK, r.findings().get(0).kind());
    }
}
