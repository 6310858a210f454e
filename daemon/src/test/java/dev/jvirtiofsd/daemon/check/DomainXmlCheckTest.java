package dev.jvirtiofsd.daemon.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Check 8 on domain definitions as virsh dumpxml writes them. */
class DomainXmlCheckTest {
    @TempDir
    Path tmp;

    private Report check(String memory, String binary) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Path xml = Files.writeString(tmp.resolve("vm.xml"), "<domain type='kvm'>\n  <name>vm</name>\n  " + memory
                + "\n  <devices>\n    <filesystem type='mount' accessmode='passthrough'>\n"
                + "      <driver type='virtiofs' queue='1024'/>\n      " + binary + "\n"
                + "      <source dir='" + share + "'/>\n      <target dir='share'/>\n    </filesystem>\n"
                + "  </devices>\n</domain>\n");
        Report r = new Report();
        DomainXmlCheck.check(r, xml, share, "/opt/jvirtiofsd/bin/jvirtiofsd");
        return r;
    }

    private static final String EXECUTABLE = "<binary path='/bin/sh'/>";

    @Test
    void withoutSharedMemoryTheFixIsTheMemoryBackingElement() throws Exception {
        Report r = check("<memory unit='GiB'>4</memory>", EXECUTABLE);
        Report.Finding p = CheckFixture.problems(r).get(0);
        assertTrue(p.text().contains("is not shared"), p.text());
        assertEquals(List.of("<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking> inside "
                + "<domain> (virsh edit DOMAIN)"), p.fix());
        assertEquals(1, r.problems(), CheckFixture.text(r));
    }

    @Test
    void sharedMemfdMemoryPasses() throws Exception {
        Report r = check("<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>", EXECUTABLE);
        assertEquals(0, r.problems(), CheckFixture.text(r));
        assertTrue(CheckFixture.text(r).contains("ok: the guest memory of"), CheckFixture.text(r));
        assertTrue(r.findings().stream().noneMatch(f -> f.kind() == Report.Kind.NOTE), CheckFixture.text(r));
    }

    @Test
    void sharedMemoryWithoutAMemfdSourceGetsANote() throws Exception {
        Report r = check("<memoryBacking><access mode='shared'/></memoryBacking>", EXECUTABLE);
        assertEquals(0, r.problems());
        assertTrue(CheckFixture.text(r).contains("note: the shared memory of"), CheckFixture.text(r));
        r = check("<memoryBacking><hugepages/><access mode='shared'/></memoryBacking>", EXECUTABLE);
        assertTrue(r.findings().stream().noneMatch(f -> f.kind() == Report.Kind.NOTE), CheckFixture.text(r));
    }

    @Test
    void numaCellsMustAllBeShared() throws Exception {
        String cells = "<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB' memAccess='shared'/>"
                + "<cell id='1' cpus='1' memory='1' unit='GiB'/></numa></cpu>";
        Report r = check("<memoryBacking><source type='memfd'/></memoryBacking>" + cells, EXECUTABLE);
        assertTrue(CheckFixture.problems(r).get(0).text().startsWith("NUMA cell 1 of"), CheckFixture.text(r));
        // A shared memoryBacking makes a cell without memAccess shared; a private one stays private.
        r = check("<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>" + cells, EXECUTABLE);
        assertEquals(0, r.problems(), CheckFixture.text(r));
        r = check("<memoryBacking><access mode='shared'/></memoryBacking>"
                + cells.replace("memAccess='shared'", "memAccess='private'"), EXECUTABLE);
        assertTrue(CheckFixture.problems(r).get(0).text().startsWith("NUMA cell 0 of"), CheckFixture.text(r));
    }

    @Test
    void aBinaryPathThatIsNoExecutableIsAProblemAMissingOneANote() throws Exception {
        String shared = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>";
        Report r = check(shared, "<binary path='/usr/libexec/no-such-virtiofsd'/>");
        assertEquals(List.of("<binary path='/opt/jvirtiofsd/bin/jvirtiofsd'/>"), CheckFixture.problems(r).get(0).fix());
        Path plain = Files.writeString(tmp.resolve("plain"), "#!/bin/sh\n");
        r = check(shared, "<binary path='" + plain + "'/>");
        assertEquals(1, r.problems(), "not executable");
        r = check(shared, "");
        assertEquals(0, r.problems());
        assertTrue(CheckFixture.text(r).contains("has no <binary path>"), CheckFixture.text(r));
    }

    @Test
    void notADomainOrNotXmlOrWithADoctypeIsRefused() throws Exception {
        for (String content : List.of("<network/>", "not xml", "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + "<domain>&x;</domain>")) {
            Path xml = Files.writeString(tmp.resolve("bad.xml"), content);
            Report r = new Report();
            DomainXmlCheck.check(r, xml, null, null);
            assertEquals(1, r.problems(), content);
            assertTrue(CheckFixture.problems(r).get(0).fix().get(0).startsWith("give the domain's definition"));
        }
    }
}
