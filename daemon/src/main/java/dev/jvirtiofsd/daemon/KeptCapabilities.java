package dev.jvirtiofsd.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The capabilities a daemon running as root keeps once started: what serving a guest's
 * requests needs (changing owners, overriding permission checks as the guest's root, switching
 * to the guest's ids for creates, making device nodes, keeping file capabilities on copies),
 * adjusted by {@code --modcaps=+cap:-cap}, as in the Rust virtiofsd.
 */
final class KeptCapabilities {

    /** linux/capability.h, by number; the names without CAP_ and in lower case. */
    static final String[] NAMES = {
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
        "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
        "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
        "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
    };

    static final int CHOWN = 0;
    static final int DAC_OVERRIDE = 1;
    static final int DAC_READ_SEARCH = 2;
    static final int FOWNER = 3;
    static final int FSETID = 4;
    static final int SETGID = 6;
    static final int SETUID = 7;
    static final int SYS_CHROOT = 18;
    static final int MKNOD = 27;
    static final int SETFCAP = 31;

    /** The set kept without --modcaps. */
    static final long DEFAULT = bit(CHOWN) | bit(DAC_OVERRIDE) | bit(FOWNER) | bit(FSETID) | bit(SETGID)
            | bit(SETUID) | bit(MKNOD) | bit(SETFCAP);

    private KeptCapabilities() {
    }

    static long bit(int capability) {
        return 1L << capability;
    }

    /**
     * The default set changed by a {@code --modcaps} value: elements separated by ':', each a
     * '+' or '-' and a capability name without CAP_, in any case ({@code +sys_admin:-mknod}).
     *
     * @param modcaps the option's value, or null for none
     * @throws IllegalArgumentException with a one-line reason for an empty element, a missing
     *         sign or an unknown name
     */
    static long withModifications(String modcaps) {
        long kept = DEFAULT;
        if (modcaps == null) {
            return kept;
        }
        for (String element : modcaps.split(":", -1)) {
            if (element.isEmpty()) {
                throw new IllegalArgumentException("--modcaps=" + modcaps + ": empty capability element");
            }
            char sign = element.charAt(0);
            if (sign != '+' && sign != '-') {
                throw new IllegalArgumentException("--modcaps=" + modcaps + ": '" + element
                        + "' must start with '+' or '-'");
            }
            int capability = number(element.substring(1));
            if (capability < 0) {
                throw new IllegalArgumentException("--modcaps=" + modcaps + ": '" + element.substring(1)
                        + "' is not a capability name");
            }
            kept = sign == '+' ? kept | bit(capability) : kept & ~bit(capability);
        }
        return kept;
    }

    /**
     * The set kept with these options: {@link #withModifications}, plus DAC_READ_SEARCH when
     * inodes may be held as file handles (open_by_handle_at needs it), as in the Rust virtiofsd.
     *
     * @param fileHandles whether {@code --inode-file-handles} is prefer or mandatory
     * @param fileHandlesOption that option as given, for the message
     * @throws IllegalArgumentException as {@link #withModifications}, and when {@code --modcaps}
     *         removes DAC_READ_SEARCH while file handles need it
     */
    static long forOptions(String modcaps, boolean fileHandles, String fileHandlesOption) {
        long kept = withModifications(modcaps);
        if (!fileHandles) {
            return kept;
        }
        if (removes(modcaps, DAC_READ_SEARCH)) {
            throw new IllegalArgumentException("--modcaps=" + modcaps + ": cannot drop dac_read_search with "
                    + fileHandlesOption + ": opening file handles needs it");
        }
        return kept | bit(DAC_READ_SEARCH);
    }

    /** Whether the last mention of {@code capability} in a (valid) {@code --modcaps} value removes it. */
    private static boolean removes(String modcaps, int capability) {
        boolean removed = false;
        if (modcaps != null) {
            for (String element : modcaps.split(":", -1)) {
                if (number(element.substring(1)) == capability) {
                    removed = element.charAt(0) == '-';
                }
            }
        }
        return removed;
    }

    /** The number of a capability name (without CAP_, any case), or -1. */
    static int number(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(lower)) {
                return i;
            }
        }
        return -1;
    }

    /** The names of the capabilities in {@code mask}, for logs. */
    static List<String> names(long mask) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((mask & bit(i)) != 0) {
                names.add(i < NAMES.length ? NAMES[i] : "cap_" + i);
            }
        }
        return names;
    }
}
