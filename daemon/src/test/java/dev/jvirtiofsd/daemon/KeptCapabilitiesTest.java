package dev.jvirtiofsd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvirtiofsd.daemon.sys.HeaderConstants;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The kept set and --modcaps, checked against linux/capability.h. */
class KeptCapabilitiesTest {

    @Test
    void everyNameHasTheNumberOfTheKernelHeader() throws Exception {
        HeaderConstants h = new HeaderConstants(List.of(Path.of("/usr/include/linux/capability.h")));
        for (int i = 0; i < KeptCapabilities.NAMES.length; i++) {
            String define = "CAP_" + KeptCapabilities.NAMES[i].toUpperCase(Locale.ROOT);
            assertEquals(Long.valueOf(i), h.value(define), define);
        }
        assertEquals(h.value("CAP_LAST_CAP"), (long) KeptCapabilities.NAMES.length - 1, "every capability named");
    }

    @Test
    void theDefaultSetIsTheRustVirtiofsdOne() {
        assertEquals(List.of("chown", "dac_override", "fowner", "fsetid", "setgid", "setuid", "mknod", "setfcap"),
                KeptCapabilities.names(KeptCapabilities.DEFAULT));
        assertEquals(KeptCapabilities.DEFAULT, KeptCapabilities.withModifications(null));
    }

    @Test
    void modcapsAddsAndRemovesInOrderAnyCase() {
        long m = KeptCapabilities.withModifications("+SYS_ADMIN:-mknod:+Dac_Read_Search");
        assertEquals(List.of("chown", "dac_override", "dac_read_search", "fowner", "fsetid", "setgid", "setuid",
                "sys_admin", "setfcap"), KeptCapabilities.names(m));
        assertEquals(KeptCapabilities.DEFAULT, KeptCapabilities.withModifications("+sys_admin:-sys_admin"));
        assertEquals(KeptCapabilities.DEFAULT & ~KeptCapabilities.bit(KeptCapabilities.CHOWN),
                KeptCapabilities.withModifications("-chown:-chown"));
    }

    @Test
    void badElementsAreRejectedWithAReason() {
        for (String bad : new String[] {"", "+chown:", ":+chown", "chown", "*chown", "+cap_chown", "+nosuch", "+",
            "-"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KeptCapabilities.withModifications(bad), bad);
            assertTrue(e.getMessage().startsWith("--modcaps=" + bad + ": "), e.getMessage());
        }
    }

    @Test
    void fileHandlesKeepDacReadSearchAndCannotDoWithoutIt() {
        long dacReadSearch = KeptCapabilities.bit(KeptCapabilities.DAC_READ_SEARCH);
        assertEquals(KeptCapabilities.DEFAULT, KeptCapabilities.forOptions(null, false, "--inode-file-handles=never"));
        assertEquals(KeptCapabilities.DEFAULT | dacReadSearch,
                KeptCapabilities.forOptions(null, true, "--inode-file-handles=prefer"));
        assertEquals(KeptCapabilities.DEFAULT | dacReadSearch | KeptCapabilities.bit(21),
                KeptCapabilities.forOptions("+sys_admin", true, "--inode-file-handles=prefer"));
        assertEquals(KeptCapabilities.DEFAULT | dacReadSearch,
                KeptCapabilities.forOptions("-DAC_READ_SEARCH:+dac_read_search", true, "--inode-file-handles=prefer"),
                "the last mention counts");
        assertEquals(KeptCapabilities.DEFAULT,
                KeptCapabilities.forOptions("-dac_read_search", false, "--inode-file-handles=never"));
        for (String drop : new String[] {"-dac_read_search", "+dac_read_search:-Dac_Read_Search", "+chown:-dac_read_search"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KeptCapabilities.forOptions(drop, true, "--inode-file-handles=mandatory"), drop);
            assertEquals("--modcaps=" + drop + ": cannot drop dac_read_search with --inode-file-handles=mandatory: "
                    + "opening file handles needs it", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> KeptCapabilities.forOptions("+nosuch", true, "--inode-file-handles=prefer"), "bad names first");
    }
}
