package dev.jvirtiofsd.daemon.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The mounts of this process's mount namespace, from /proc/self/mountinfo (proc(5)). */
final class MountInfo {
    /** One mount: where, what filesystem, and its per-mount options (nosuid, nodev, ro...). */
    record Mount(Path mountPoint, String fsType, String source, Set<String> options) {
    }

    private final List<Mount> mounts;

    MountInfo(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    static MountInfo read() throws IOException {
        return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    /**
     * Lines of the form {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE
     * SOURCE SUPEROPTIONS}; blanks and backslashes in paths are octal escapes.
     */
    static MountInfo parse(List<String> lines) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            if (fields.length < 6 || separator < 6 || separator + 2 >= fields.length) {
                continue;
            }
            mounts.add(new Mount(Path.of(unescape(fields[4])), fields[separator + 1], unescape(fields[separator + 2]),
                    Set.of(fields[5].split(","))));
        }
        return new MountInfo(mounts);
    }

    /**
     * The mount that holds {@code realPath}: the last mounted (mounts stack in file order) of those
     * whose mount point is the path or one of its parents.
     */
    Mount holding(Path realPath) {
        Mount found = null;
        for (Mount m : mounts) {
            if (realPath.startsWith(m.mountPoint())
                    && (found == null || m.mountPoint().getNameCount() >= found.mountPoint().getNameCount())) {
                found = m;
            }
        }
        return found;
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
