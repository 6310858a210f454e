package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * libvirt 9.0 (Debian's libvirt-daemon-system) starts, feeds and stops our daemon, which stands
 * where the Rust or C virtiofsd would: a TCG domain (memfd shared memory, machine pc) with a
 * {@code <filesystem type='mount'><driver type='virtiofs'/>} share, started with virsh; the guest
 * mounts the share and uses it (guest/scenarios/libvirt.sh), checking that what the
 * {@code <binary>} children asked for took effect.
 *
 * <p>The daemon is the Debian package's, seen as installed (the .deb `mvn package` built,
 * extracted into the private libvirt's /usr overlay): what a user who installs the package runs,
 * class-data sharing archive included. Three domains:
 * <ul>
 * <li>{@code <binary path='/usr/libexec/jvirtiofsd/bin/jvirtiofsd'>} with every child libvirt 9.0
 *     knows (xattr, cache, sandbox chroot, both locks, thread pool), a shared directory with a
 *     comma in its name; the guest powers off and the daemon leaves when QEMU goes;</li>
 * <li>no {@code <binary>}: libvirt picks the package's /usr/share/qemu/vhost-user/40-jvirtiofsd.json
 *     over Debian's 50-qemu-virtiofsd.json; the namespace sandbox (the launcher's default); the
 *     test sends SIGTERM to the daemon's process group, as libvirt does, while QEMU runs;</li>
 * <li>no {@code <binary>}, a descriptor in /etc/qemu/vhost-user/ naming the source tree's
 *     bin/jvirtiofsd: the more specific directory wins.</li>
 * </ul>
 * Each checks the argv libvirt passed, that the process libvirt knows holds the pid file's lock,
 * that the daemon is gone promptly at the end, and that no pid file, socket or process is left.
 */
@Tag("guest")
class LibvirtGuestIT {
    static final String LAUNCHER = PackageTest.INSTALLED + "/bin/jvirtiofsd";
    private static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(Long.getLong("jvirtiofsd.guest.timeout", 300));

    private static Path run;
    private static PrivateLibvirt libvirt;

    @BeforeAll
    static void startLibvirt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "libvirtd runs as root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/libvirtd")), "no libvirtd: run scripts/setup-host.sh");
        run = GuestFiles.newRunDirectory("libvirt");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x")); // QEMU runs as libvirt-qemu
        GuestPlatform.BOOKWORM.prepare(run.resolve("build-guest.log")); // libvirt 9.0 and QEMU 7.2 are Debian 12's
        Path packageRoot = run.resolve("package");
        PackageTest.ok("dpkg-deb", "--extract", PackageTest.debianPackage().toString(), packageRoot.toString());
        libvirt = PrivateLibvirt.start(run.resolve("libvirt"), packageRoot);
    }

    @AfterAll
    static void stopLibvirt() throws Exception {
        if (libvirt != null) {
            libvirt.close();
        }
    }

    /** What the share promises the guest (guest/scenarios/libvirt.sh reads it from .jvfs-expect). */
    record Expect(boolean xattr, boolean hostLocks, boolean hostEndsRun) {
    }

    /** A boot's results; {@code timings} in milliseconds, for the report. */
    record Boot(String name, List<String> argv, GuestOutcome outcome, Map<String, Long> timings,
            Path share, String context) {
    }

    /** Something the host does once the guest's scenario is done: looks at the daemon, times what it does. */
    interface ScenarioDone {
        void run(Daemon daemon, Path share, Map<String, Long> timings) throws Exception;
    }

    /** The daemon as the host sees it: the process libvirt knows (pid file) and what it started. */
    record Daemon(ProcessHandle process, List<ProcessHandle> tree) {
        boolean gone() {
            return tree.stream().noneMatch(ProcessHandle::isAlive);
        }
    }

    @Test
    void everyBinaryChildLibvirt90KnowsTakesEffect() throws Exception {
        String filesystem = """
                <filesystem type='mount' accessmode='passthrough'>
                  <driver type='virtiofs' queue='1024'/>
                  <binary path='%s' xattr='on'>
                    <cache mode='always'/>
                    <sandbox mode='chroot'/>
                    <lock posix='on' flock='on'/>
                    <thread_pool size='2'/>
                  </binary>
                  <source dir='%%SHARE%%'/>
                  <target dir='share'/>
                </filesystem>""".formatted(LAUNCHER);
        Map<String, String> seen = new LinkedHashMap<>();
        // The guest waits after its checks (the host ends the run): a guest that powered off at
        // once would take the daemon with it while /proc is read.
        Boot boot = boot("jvfs-binary", "shared,dir", filesystem, new Expect(true, true, true), (daemon, shared, timings) -> {
            // chroot: the JVM is the process libvirt started, rooted in the share, with the archive mapped.
            long pid = daemon.process().pid();
            seen.put("exe", link(pid, "exe"));
            seen.put("rooted in the share", "" + Files.isSameFile(Path.of("/proc/" + pid + "/root"), shared));
            seen.put("archive mapped", "" + Files.readString(Path.of("/proc/" + pid + "/maps")).contains("jvirtiofsd.jsa"));
            libvirt.virshOk("destroy", "jvfs-binary");
        });
        String share = boot.share().toString().replace(",", ",,");
        assertAll("libvirt with every <binary> child" + boot.context() + "\n" + seen,
                () -> assertEquals(List.of(LAUNCHER, "-o", "source=" + share
                        + ",cache=always,sandbox=chroot,xattr,flock,posix_lock", "--thread-pool-size=2"),
                        withoutFd(boot.argv()), "the argv libvirt passed"),
                () -> assertGuestPassed(boot),
                () -> assertTrue(String.valueOf(seen.get("exe")).endsWith("/bin/java"), "the JVM itself"),
                () -> assertEquals("true", seen.get("rooted in the share"), "chroot into the share"),
                () -> assertEquals("true", seen.get("archive mapped"), "the package's class-data sharing archive"),
                () -> assertEquals("written by the guest",
                        Files.readString(boot.share().resolve("dir/from-guest.txt")).strip()));
    }

    @Test
    void withoutBinaryLibvirtPicksThePackagesDescriptorAndSigtermEndsTheDaemon() throws Exception {
        String filesystem = """
                <filesystem type='mount' accessmode='passthrough'>
                  <driver type='virtiofs' queue='1024'/>
                  <source dir='%SHARE%'/>
                  <target dir='share'/>
                </filesystem>""";
        assertTrue(Files.exists(libvirt.inside("/usr/share/qemu/vhost-user/50-qemu-virtiofsd.json")),
                "Debian's descriptor for the C virtiofsd is there too");
        Map<String, String> seen = new LinkedHashMap<>();
        Boot boot = boot("jvfs-package", "shared", filesystem, new Expect(false, false, true), (daemon, shared, timings) -> {
            // The namespace sandbox: libvirt's process is the supervisor, the JVM its child in
            // namespaces of its own, rooted in the share.
            long pid = daemon.process().pid();
            seen.put("exe", link(pid, "exe"));
            Optional<ProcessHandle> jvm = daemon.tree().stream()
                    .filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst();
            if (jvm.isPresent()) {
                seen.put("jvm rooted in the share",
                        "" + Files.isSameFile(Path.of("/proc/" + jvm.get().pid() + "/root"), shared));
                seen.put("jvm pid namespace",
                        link(jvm.get().pid(), "ns/pid").equals(link(pid, "ns/pid")) ? "the supervisor's" : "its own");
            }
            // As libvirt stops a daemon that outlived QEMU: SIGTERM to the process group.
            long sent = System.nanoTime();
            PackageTest.ok("kill", "-TERM", "--", "-" + processGroup(pid));
            long deadline = sent + EXIT_TIMEOUT.toNanos();
            while (!daemon.gone() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            seen.put("gone after SIGTERM", "" + daemon.gone());
            timings.put("sigterm-to-daemon-gone", millisSince(sent));
            libvirt.virshOk("destroy", "jvfs-package");
        });
        assertAll("libvirt picking the package's descriptor" + boot.context() + "\n" + seen,
                () -> assertEquals(List.of(LAUNCHER, "-o", "source=" + boot.share()), withoutFd(boot.argv()),
                        "the argv libvirt passed"),
                () -> assertGuestPassed(boot),
                () -> assertEquals("/usr/bin/perl", seen.get("exe"), "the namespace supervisor"),
                () -> assertEquals("true", seen.get("jvm rooted in the share"), "pivot_root into the share"),
                () -> assertEquals("its own", seen.get("jvm pid namespace")),
                () -> assertEquals("true", seen.get("gone after SIGTERM"), "the daemon ends on SIGTERM to its group"));
    }

    @Test
    void aDescriptorInEtcQemuIsPickedFirst() throws Exception {
        Path launcher = GuestFiles.repository().resolve("bin/jvirtiofsd");
        Path etc = libvirt.inside("/etc/qemu/vhost-user");
        Files.createDirectories(etc);
        Path descriptor = etc.resolve("40-jvirtiofsd.json");
        Files.writeString(descriptor, """
                {
                  "description": "jvirtiofsd from the source tree",
                  "type": "fs",
                  "binary": "%s"
                }
                """.formatted(launcher));
        Boot boot;
        try {
            String filesystem = """
                    <filesystem type='mount' accessmode='passthrough'>
                      <driver type='virtiofs'/>
                      <source dir='%SHARE%'/>
                      <target dir='share'/>
                    </filesystem>""";
            boot = boot("jvfs-etc", "shared", filesystem, new Expect(false, false, false), (daemon, shared, timings) -> { });
        } finally {
            // Only the private libvirt's /etc overlay ever had it.
            Files.delete(descriptor);
            Files.delete(etc);
            Files.delete(etc.getParent());
        }
        assertAll("libvirt picking /etc/qemu/vhost-user/40-jvirtiofsd.json" + boot.context(),
                () -> assertEquals(List.of(launcher.toString(), "-o", "source=" + boot.share()),
                        withoutFd(boot.argv()), "the argv libvirt passed"),
                () -> assertGuestPassed(boot));
    }

    private static void assertGuestPassed(Boot boot) {
        List<String> expected = new ArrayList<>(List.of("read-host-file", "write-rename-remove", "xattr", "locks"));
        List<String> problems = boot.outcome().problems(expected);
        assertEquals(List.of(), problems, "the guest's checks");
    }

    /** The argv without its --fd=N (N is whatever fd libvirt had free), checking it is there. */
    private static List<String> withoutFd(List<String> argv) {
        assertTrue(argv.size() > 1 && argv.get(1).matches("--fd=\\d+"), () -> "no --fd=N: " + argv);
        List<String> rest = new ArrayList<>(argv);
        rest.remove(1);
        return rest;
    }

    /**
     * Defines and starts domain {@code name} with {@code filesystem} (its source dir written
     * %SHARE%), lets the guest run guest/scenarios/libvirt.sh, and waits for the domain to end
     * (the guest powers off, or {@code done} ends it), the daemon to be gone, and libvirt to have
     * cleaned up. Checks the pid file's lock while the daemon serves, and that nothing is left.
     */
    private Boot boot(String name, String shareName, String filesystem, Expect expect, ScenarioDone done)
            throws Exception {
        Path dir = Files.createDirectory(run.resolve(name));
        Path share = Files.createDirectory(dir.resolve(shareName));
        Files.writeString(share.resolve("from-host.txt"), "written by the host\n");
        Files.writeString(share.resolve(".jvfs-expect"), "xattr=" + (expect.xattr() ? "on" : "off") + "\nlocks="
                + (expect.hostLocks() ? "host" : "guest") + "\nwait=" + (expect.hostEndsRun() ? "yes" : "no") + "\n");
        Path locked = Files.writeString(share.resolve("host-locked.txt"), "locked by the host\n");
        Path kernel = dir.resolve("vmlinuz");
        Files.copy(GuestPlatform.BOOKWORM.cacheDirectory().resolve("vmlinuz"), kernel);
        Path initramfs = dir.resolve("initramfs.img");
        PackageTest.ok(GuestFiles.script("guest-initramfs.sh").toString(), initramfs.toString(),
                GuestFiles.scenario("libvirt.sh").toString());
        Path console = dir.resolve("console.log");
        Path xml = dir.resolve("domain.xml");
        Files.writeString(xml, domainXml(name, kernel, initramfs, console,
                filesystem.replace("%SHARE%", share.toString())));

        Map<String, Long> timings = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Supplier<String> context = () -> describe(name, dir, console);
        List<String> consoleLines;
        Daemon daemon = null;
        Process flock = new ProcessBuilder("flock", "--exclusive", locked.toString(), "sleep", "3600")
                .redirectErrorStream(true).redirectOutput(dir.resolve("flock.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try (FileChannel channel = FileChannel.open(locked, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            awaitFlock(locked, flock);
            libvirt.virshOk("define", xml.toString());
            long start = System.nanoTime();
            libvirt.virshOk("start", name);
            timings.put("virsh-start", millisSince(start));

            ConsoleLog log = new ConsoleLog(console);
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            long poweroff = 0;
            boolean mounted = false;
            int polls = 0;
            while (true) {
                for (String line : log.readNewLines()) {
                    if (line.startsWith("JVFS-GUEST: MOUNTED")) {
                        mounted = true;
                        timings.put("virsh-start-to-mounted", millisSince(start));
                        daemon = daemonOf(name, problems);
                    } else if (line.startsWith("JVFS-GUEST: POWEROFF")) {
                        poweroff = System.nanoTime();
                    } else if (line.contains("HOST-REQUEST scenario-done") && daemon != null) {
                        done.run(daemon, share, timings);
                    }
                }
                if (!mounted && millisSince(start) > MOUNT_TIMEOUT.toMillis()) {
                    problems.add("the guest did not mount the share in " + MOUNT_TIMEOUT);
                    break;
                }
                if (System.nanoTime() > deadline) {
                    problems.add("the guest did not finish in " + RUN_TIMEOUT);
                    break;
                }
                if (++polls % 10 == 0 && !domainRunning(name)) {
                    break;
                }
                Thread.sleep(100);
            }
            if (domainRunning(name)) {
                libvirt.virsh("destroy", name);
            }
            consoleLines = new ArrayList<>(log.lines());
            consoleLines.addAll(log.finish());
            if (daemon != null) {
                long end = System.nanoTime() + EXIT_TIMEOUT.toNanos();
                while (!daemon.gone() && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
                if (!daemon.gone()) {
                    problems.add("the daemon is still running after the domain ended: " + daemon.tree());
                } else if (poweroff != 0) {
                    timings.put("poweroff-to-daemon-gone", millisSince(poweroff));
                }
            }
        } finally {
            flock.destroy();
            flock.waitFor(10, TimeUnit.SECONDS);
        }
        problems.addAll(leftovers(name));
        List<String> argv = argvFromDomainLog(name);
        libvirt.virsh("undefine", name);
        GuestOutcome outcome = new GuestOutcome(0, consoleLines, problems);
        // For the record (the test's output file): what libvirt passed, how long things took.
        System.out.println("libvirt " + name + ": argv " + argv + "; timings (ms) " + timings);
        return new Boot(name, argv, outcome, timings, share, "\n" + context.get());
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static String domainXml(String name, Path kernel, Path initramfs, Path console, String filesystem) {
        return """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>512</memory>
                  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
                  <vcpu>1</vcpu>
                  <os>
                    <type arch='x86_64' machine='pc'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>console=ttyS0 quiet panic=-1 jvfs_tag=share</cmdline>
                  </os>
                  <features><acpi/></features>
                  <cpu mode='maximum' check='none'/>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>destroy</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                %s
                    <serial type='file'><source path='%s'/><target port='0'/></serial>
                    <controller type='usb' model='none'/>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(name, kernel, initramfs, filesystem.indent(4).stripTrailing(), console);
    }

    private static boolean domainRunning(String name) throws IOException, InterruptedException {
        PackageTest.Output state = libvirt.virsh("domstate", name);
        return state.status() == 0 && state.stdout().strip().equals("running");
    }

    /** Waits until the flock(1) child holds its lock (it shows in /proc/locks as FLOCK WRITE). */
    private static void awaitFlock(Path file, Process flock) throws Exception {
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        for (int i = 0; i < 500; i++) {
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 5 && f[1].equals("FLOCK") && f[5].endsWith(":" + inode)) {
                    return;
                }
            }
            assertTrue(flock.isAlive(), "flock(1) ended early");
            Thread.sleep(10);
        }
        throw new AssertionError("flock(1) did not take its lock");
    }

    /**
     * The daemon of domain {@code name}, found from libvirt's pid file, whose fcntl lock the
     * process in it must hold (libvirt takes a free lock for a dead daemon and never signals it).
     */
    private Daemon daemonOf(String name, List<String> problems) throws IOException {
        Path dir = libvirt.inside("/run/libvirt/qemu");
        Optional<Path> pidFile;
        try (Stream<Path> files = Files.list(dir)) {
            pidFile = files.filter(p -> p.getFileName().toString().matches("\\d+-" + name + "-fs0-fs\\.pid")).findFirst();
        }
        if (pidFile.isEmpty()) {
            problems.add("no pid file of the virtiofsd in /run/libvirt/qemu");
            return null;
        }
        long namespacePid = Long.parseLong(Files.readString(pidFile.get()).strip());
        Optional<ProcessHandle> process = libvirt.hostProcess(namespacePid);
        if (process.isEmpty()) {
            problems.add("the pid file names " + namespacePid + ", which does not run");
            return null;
        }
        long holder = lockHolder(pidFile.get());
        if (holder != process.get().pid()) {
            problems.add("the pid file's lock is held by host pid " + holder + ", not by the daemon (host pid "
                    + process.get().pid() + ")");
        }
        // libvirt stops the daemon with a signal to the process group of the pid in the file.
        List<ProcessHandle> tree = ProcessTrees.tree(process.get());
        long group = processGroup(process.get().pid());
        for (ProcessHandle member : tree) {
            if (processGroup(member.pid()) != group) {
                problems.add("daemon process " + member.pid() + " is not in the process group " + group);
            }
        }
        return new Daemon(process.get(), tree);
    }

    /** The host pid holding a POSIX write lock on {@code file} (seen through /proc/PID/root), or -1. */
    private static long lockHolder(Path file) throws IOException {
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 5 && f[1].equals("POSIX") && f[3].equals("WRITE")) {
                String[] id = f[5].split(":");
                if (Long.parseLong(id[0], 16) == major && Long.parseLong(id[1], 16) == minor
                        && Long.parseLong(id[2]) == inode) {
                    return Long.parseLong(f[4]);
                }
            }
        }
        return -1;
    }

    /** The target of /proc/PID/{@code what} (exe, root, ns/mnt). */
    private static String link(long pid, String what) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/" + what)).toString();
    }

    private static long processGroup(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(afterName[2]); // state ppid pgrp
    }

    /** The daemon's argv, from the domain log line after "Starting external device: virtiofsd". */
    private List<String> argvFromDomainLog(String name) throws IOException {
        List<String> lines = Files.readAllLines(libvirt.varUpper("log/libvirt/qemu/" + name + ".log"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).endsWith("Starting external device: virtiofsd")) {
                return List.of(lines.get(i + 1).trim().split(" "));
            }
        }
        return List.of();
    }

    /** Whatever of the daemon libvirt or the daemon left behind: pid file, socket, process. */
    private List<String> leftovers(String name) throws IOException {
        List<String> left = new ArrayList<>();
        try (Stream<Path> files = Files.list(libvirt.inside("/run/libvirt/qemu"))) {
            files.filter(p -> p.getFileName().toString().contains(name)).forEach(p -> left.add("left behind: " + p));
        }
        try (Stream<Path> dirs = Files.list(libvirt.inside("/var/lib/libvirt/qemu"))) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().endsWith("-" + name)).toList()) {
                try (Stream<Path> all = Files.walk(d)) {
                    all.filter(p -> p.getFileName().toString().endsWith(".sock")).forEach(p -> left.add("left behind: " + p));
                }
            }
        }
        List<String> strays = libvirt.otherProcesses().stream()
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).collect(Collectors.toList());
        strays.forEach(c -> left.add("process left in the namespace: " + c));
        return left;
    }

    /** The logs a failure needs: the domain's, the virtiofsd's, libvirtd's, the console's end. */
    private String describe(String name, Path dir, Path console) {
        return "(run directory " + dir + ")\n--- domain log:\n"
                + PrivateLibvirt.tail(libvirt.varUpper("log/libvirt/qemu/" + name + ".log"), 30)
                + "\n--- virtiofsd log:\n"
                + PrivateLibvirt.tail(libvirt.varUpper("log/libvirt/qemu/" + name + "-fs0-virtiofsd.log"), 40)
                + "\n--- libvirtd.log (end):\n" + PrivateLibvirt.tail(libvirt.libvirtdLog(), 40)
                + "\n--- console (end):\n" + PrivateLibvirt.tail(console, 30);
    }
}
