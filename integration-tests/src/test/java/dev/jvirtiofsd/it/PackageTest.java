package dev.jvirtiofsd.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvirtiofsd.daemon.e2e.FuseTestClient;
import dev.jvirtiofsd.vhostuser.frontend.VhostUserFrontend;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What `mvn package` made in dist/ (dist/build-dist.sh): the distribution directory and the
 * Debian package. The package's fields and files are read with dpkg-deb, it is installed with
 * dpkg into a root of its own, and the installed launcher is run: as root and as any user, with
 * the JDK its class-data sharing archive was made for and with another one.
 */
class PackageTest {
    static final String INSTALLED = "/usr/libexec/jvirtiofsd";
    static final String CAPABILITIES = "{\"type\": \"fs\", \"features\": [\"separate-options\"]}";
    private static final String NOBODY = "65534";
    private static final Path TEMURIN = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    /** Not a JUnit temp dir (mode 0700): nobody must reach the installed files. */
    private Path tmp;

    @BeforeEach
    void makeTmp() throws IOException {
        tmp = Files.createTempDirectory(Path.of("/tmp"), "jvfs-package-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    @AfterEach
    void removeTmp() throws IOException {
        GuestFiles.deleteTree(tmp);
    }

    static Path distDirectory() {
        return Path.of(System.getProperty("jvirtiofsd.dist.dir",
                GuestFiles.repository().resolve("dist/target").toString())).toAbsolutePath().normalize();
    }

    static String version() {
        return System.getProperty("jvirtiofsd.version", "0.1.0-SNAPSHOT");
    }

    /** The .deb `mvn package` built. */
    static Path debianPackage() throws IOException {
        try (Stream<Path> files = Files.list(distDirectory())) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("jvirtiofsd_.*\\.deb")).toList();
            assertEquals(1, debs.size(), () -> "one .deb in " + distDirectory() + " (run mvn package): " + debs);
            return debs.get(0);
        }
    }

    /** Runs {@code command}, returns its output (stdout then stderr, each complete); fails on a non-zero exit. */
    static Output run(List<String> command, Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("JVIRTIOFSD_LIB");
        pb.environment().remove("JAVA_HOME");
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = Files.createTempFile("jvfs-out-", ".txt");
        Path err = Files.createTempFile("jvfs-err-", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), () -> "did not finish: " + command);
            return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    record Output(int status, String stdout, String stderr) {
        Output ok(List<String> command) {
            assertEquals(0, status, () -> command + " failed: " + stderr + stdout);
            return this;
        }
    }

    static Output ok(String... command) throws IOException, InterruptedException {
        return run(List.of(command), Map.of()).ok(List.of(command));
    }

    /** The control fields, as dpkg-deb prints them. */
    private static Map<String, String> controlFields(Path deb) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : ok("dpkg-deb", "--field", deb.toString()).stdout().split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith(" ")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** Path (without the leading ".") → "mode owner/group", from dpkg-deb -c. */
    private static Map<String, String> contents(Path deb) throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String line : ok("dpkg-deb", "--contents", deb.toString()).stdout().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6) {
                String path = f[5].substring(1).replaceAll("/$", "");
                entries.put(path.isEmpty() ? "/" : path, f[0] + " " + f[1]);
            }
        }
        return entries;
    }

    /** The jars the daemon's manifest names: what lib/ must hold. */
    private static List<String> manifestJars() throws IOException {
        Path jar = Path.of(System.getProperty("jvirtiofsd.daemon.lib", "../daemon/target/lib"), "jvirtiofsd.jar");
        try (JarFile file = new JarFile(jar.toFile())) {
            String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
            List<String> jars = new ArrayList<>(List.of("jvirtiofsd.jar"));
            jars.addAll(Arrays.asList(classPath.trim().split("\\s+")));
            return jars;
        }
    }

    /** The value of a string member of the flat JSON object {@code json}. */
    static String jsonString(String json, String member) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(member) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), () -> "no string member " + member + " in " + json);
        return m.group(1);
    }

    @Test
    void controlFieldsNameTheDependenciesAndTheVersion() throws Exception {
        Map<String, String> fields = controlFields(debianPackage());
        String arch = ok("dpkg", "--print-architecture").stdout().strip();
        assertAll(
                () -> assertEquals("jvirtiofsd", fields.get("Package")),
                () -> assertEquals(version().replace('-', '~'), fields.get("Version")),
                () -> assertEquals(arch, fields.get("Architecture")),
                () -> assertEquals("openjdk-17-jre-headless | java17-runtime-headless, util-linux, perl-base",
                        fields.get("Depends")),
                () -> assertTrue(Integer.parseInt(fields.get("Installed-Size")) > 1000, fields::toString),
                () -> assertTrue(fields.containsKey("Maintainer") && fields.containsKey("Description"),
                        fields::toString));
        // What it depends on is what a Debian 12 host with a JRE has: dpkg-query knows each.
        ok("dpkg-query", "--show", "openjdk-17-jre-headless", "util-linux", "perl-base");
    }

    /** As build-dist.sh decides whether it can make the package's archive: a private mount namespace. */
    static List<String> mountNamespace() throws IOException, InterruptedException {
        List<String> namespace = "root".equals(System.getProperty("user.name"))
                ? List.of("unshare", "--mount", "--propagation", "private")
                : List.of("unshare", "--user", "--map-root-user", "--mount", "--propagation", "private");
        return run(concat(namespace, List.of("true")), Map.of()).status() == 0 ? namespace : List.of();
    }

    @Test
    void filesLieUnderLibexecWithTheDescriptorAndOwnedByRoot() throws Exception {
        Map<String, String> entries = contents(debianPackage());
        List<String> expected = new ArrayList<>(List.of(
                INSTALLED + "/bin/jvirtiofsd", INSTALLED + "/bin/namespace-supervisor",
                "/usr/share/qemu/vhost-user/40-jvirtiofsd.json", "/usr/share/doc/jvirtiofsd/README.md"));
        if (!mountNamespace().isEmpty()) {
            expected.addAll(List.of(INSTALLED + "/lib/jvirtiofsd.jsa", INSTALLED + "/lib/jvirtiofsd.jsa.jvm"));
        }
        manifestJars().forEach(jar -> expected.add(INSTALLED + "/lib/" + jar));
        List<String> files = entries.entrySet().stream().filter(e -> e.getValue().startsWith("-"))
                .map(Map.Entry::getKey).sorted().toList();
        assertEquals(expected.stream().sorted().toList(), files, "the package's files");
        assertAll(entries.entrySet().stream().map(e -> () -> {
            String want = e.getValue().startsWith("d") || e.getKey().startsWith(INSTALLED + "/bin/")
                    ? "rwxr-xr-x root/root" : "rw-r--r-- root/root";
            assertEquals(want, e.getValue().substring(1), e.getKey());
        }));
    }

    @Test
    void theDescriptorNamesTheInstalledLauncher() throws Exception {
        Path root = tmp.resolve("extracted");
        ok("dpkg-deb", "--extract", debianPackage().toString(), root.toString());
        String json = Files.readString(root.resolve("usr/share/qemu/vhost-user/40-jvirtiofsd.json"));
        assertEquals("fs", jsonString(json, "type"));
        assertEquals(INSTALLED + "/bin/jvirtiofsd", jsonString(json, "binary"));
        assertTrue(Files.isExecutable(root.resolve(jsonString(json, "binary").substring(1))));
        // Sorted before Debian's 50-*.json descriptors, so that libvirt picks it first.
        assertTrue("40-jvirtiofsd.json".compareTo("50-qemu-virtiofsd.json") < 0);
    }

    @Test
    void installedWithDpkgTheLauncherAnswersAsAnyUserWithAnyJdk() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("var/lib/dpkg/info"));
        Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        List<String> dpkg = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-depends"));
        if (!"root".equals(System.getProperty("user.name"))) {
            dpkg.add("--force-not-root");
        }
        List<String> install = new ArrayList<>(dpkg);
        install.addAll(List.of("--install", debianPackage().toString()));
        run(install, Map.of()).ok(install);
        ok("dpkg", "--root=" + root, "--verify", "jvirtiofsd");
        String launcher = root + INSTALLED + "/bin/jvirtiofsd";

        List<String> homes = new ArrayList<>(List.of(""));
        if (Files.isExecutable(TEMURIN.resolve("bin/java"))) {
            homes.add(TEMURIN.toString());
        }
        for (String home : homes) {
            Map<String, String> env = home.isEmpty() ? Map.of() : Map.of("JAVA_HOME", home);
            for (List<String> prefix : List.of(List.<String>of(),
                    List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"))) {
                List<String> caps = new ArrayList<>(prefix);
                caps.addAll(List.of(launcher, "--print-capabilities", "--no-such-option"));
                Output o = run(caps, env).ok(caps);
                // Exactly the JSON on stdout: libvirt parses it. Nothing on stderr either (no JVM warning).
                assertEquals(CAPABILITIES + "\n", o.stdout(), caps + " JAVA_HOME=" + home);
                assertEquals("", o.stderr(), caps + " JAVA_HOME=" + home);
                List<String> version = new ArrayList<>(prefix);
                version.addAll(List.of(launcher, "--version"));
                assertEquals("jvirtiofsd " + version(), run(version, env).ok(version).stdout().strip());
            }
        }

        List<String> remove = new ArrayList<>(dpkg);
        remove.addAll(List.of("--purge", "jvirtiofsd"));
        run(remove, Map.of()).ok(remove);
        assertFalse(Files.exists(root.resolve(INSTALLED.substring(1))), "removed with the package");
        assertFalse(Files.exists(root.resolve("usr/share/qemu/vhost-user/40-jvirtiofsd.json")));
    }

    /** Where the daemon's Main class came from, as -Xlog:class+load reports it. */
    private static String mainClassSource(String stdout) {
        return stdout.lines().filter(l -> l.contains(" dev.jvirtiofsd.daemon.Main source: ")).findFirst()
                .map(l -> l.substring(l.indexOf(" source: ") + 9)).orElse("(not loaded)");
    }

    @Test
    void theInstalledArchiveServesItsJdkAtItsPlace() throws Exception {
        // The package's archive was made for /usr/libexec/jvirtiofsd: seen there through a private
        // mount namespace, as the build made it (the host's /usr/libexec is untouched).
        List<String> namespace = mountNamespace();
        assumeTrue(!namespace.isEmpty(), "no mount namespace here, so the package has no archive");
        Path root = tmp.resolve("extracted");
        ok("dpkg-deb", "--extract", debianPackage().toString(), root.toString());
        List<String> command = concat(namespace, List.of("sh", "-c",
                "mount --bind \"$1\" /usr/libexec && exec " + INSTALLED + "/bin/jvirtiofsd --version",
                "sh", root.resolve("usr/libexec").toString()));
        Map<String, String> log = Map.of("JVIRTIOFSD_JAVA_OPTS", "-Xlog:class+load=info");
        assertEquals("shared objects file (top)", mainClassSource(run(command, log).ok(command).stdout()));
        if (Files.isExecutable(TEMURIN.resolve("bin/java"))) {
            Map<String, String> other = Map.of("JVIRTIOFSD_JAVA_OPTS", "-Xlog:class+load=info",
                    "JAVA_HOME", TEMURIN.toString());
            Output o = run(command, other).ok(command);
            assertEquals("file:" + INSTALLED + "/lib/jvirtiofsd.jar", mainClassSource(o.stdout()), "another JDK: no archive");
            assertEquals("", o.stderr());
        }
        // Elsewhere (extracted, not installed) the launcher leaves the archive out, silently.
        List<String> elsewhere = List.of(root + INSTALLED + "/bin/jvirtiofsd", "--version");
        Output o = run(elsewhere, log).ok(elsewhere);
        assertEquals("file:" + root + INSTALLED + "/lib/jvirtiofsd.jar", mainClassSource(o.stdout()));
        assertEquals("", o.stderr());
    }

    @Test
    void theDistributionDirectoryServesAFrontendWithItsOwnJarsAndArchive() throws Exception {
        Path dist = distDirectory().resolve("jvirtiofsd-" + version());
        Path launcher = dist.resolve("bin/jvirtiofsd");
        List<String> version = List.of(launcher.toString(), "--version");
        Output v = run(version, Map.of("JVIRTIOFSD_JAVA_OPTS", "-Xlog:class+load=info")).ok(version);
        assertEquals("shared objects file (top)", mainClassSource(v.stdout()), "the archive made in place");

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.writeString(shared.resolve("hello"), "from the host");
        Path socket = tmp.resolve("vfs.sock");
        Path log = tmp.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--socket-path=" + socket,
                "--shared-dir=" + shared, "--sandbox=none");
        pb.environment().remove("JVIRTIOFSD_LIB"); // its own lib/, nothing of the source tree
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            LaunchedDaemon.awaitSocket(socket, p, log);
            try (VhostUserFrontend frontend = LaunchedDaemon.connect(socket, p, log)) {
                FuseTestClient fuse = new FuseTestClient(frontend);
                fuse.init().ok();
                assertEquals(13, fuse.lookup(1, "hello").body().getLong(FuseTestClient.ENTRY_ATTR + 8));
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits once the frontend left");
            assertEquals(0, p.exitValue(), () -> LaunchedDaemon.log(log));
            // No JVM complaint (about the archive or anything else) in the daemon's output.
            assertEquals(List.of(), Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("[warning]") || l.contains("[error]")).collect(Collectors.toList()));
        } finally {
            p.destroyForcibly();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
