package dev.jvirtiofsd.daemon.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MountInfoTest {
    private static final List<String> LINES = List.of(
            "24 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro",
            "30 24 0:26 / /srv rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k",
            "31 30 0:27 / /srv/my\\040share rw,nosuid - xfs /dev/vdb rw",
            "32 30 0:28 / /srv rw,nosuid,nodev,noexec - tmpfs other rw",
            "bad line");

    @Test
    void theDeepestAndThenTheLastMountHoldsAPath() {
        MountInfo info = MountInfo.parse(LINES);
        assertEquals(Path.of("/"), info.holding(Path.of("/home/x")).mountPoint());
        MountInfo.Mount srv = info.holding(Path.of("/srv/data"));
        assertEquals("other", srv.source(), "the mount stacked last on /srv");
        assertEquals(Set.of("rw", "nosuid", "nodev", "noexec"), srv.options());
        MountInfo.Mount share = info.holding(Path.of("/srv/my share/sub"));
        assertEquals(Path.of("/srv/my share"), share.mountPoint(), "octal escapes undone");
        assertEquals("xfs", share.fsType());
        assertEquals(Path.of("/srv"), info.holding(Path.of("/srvx")) == null ? null
                : info.holding(Path.of("/srvx")).mountPoint().equals(Path.of("/")) ? Path.of("/srv") : null,
                "a mount point is a whole path component");
        assertNull(MountInfo.parse(List.of()).holding(Path.of("/")));
    }
}
