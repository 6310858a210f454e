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
}
