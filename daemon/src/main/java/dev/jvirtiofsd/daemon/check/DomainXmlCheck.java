package dev.jvirtiofsd.daemon.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Check 8: a libvirt domain definition ({@code virsh dumpxml DOMAIN}) for what vhost-user-fs
 * needs. Its guest memory must be shared, as libvirt itself demands ("'virtiofs' requires shared
 * memory"): without NUMA cells {@code <memoryBacking><access mode='shared'/>}; with cells, every
 * cell {@code memAccess='shared'} (or no memAccess under a shared memoryBacking). Shared memory
 * without a memfd or hugepage source is backed by a file in qemu.conf's memory_backing_dir: a note.
 * Each virtiofs {@code <filesystem>}'s {@code <binary path>} must be an executable.
 */
final class DomainXmlCheck {
    static final String SHARED_MEMORY_XML = "<memoryBacking><source type='memfd'/><access mode='shared'/>"
            + "</memoryBacking>";

    private DomainXmlCheck() {
    }

    static void check(Report report, Path file, Path sharedDir, String launcher) {
        Document doc;
        XPath xpath = XPathFactory.newInstance().newXPath();
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // A domain definition has no DTD: refuse one, and with it every external entity.
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            doc = factory.newDocumentBuilder().parse(file.toFile());
        } catch (ParserConfigurationException | SAXException | IOException e) {
            report.problem("cannot read the domain XML " + file + ": " + e.getMessage(),
                    "give the domain's definition: virsh dumpxml DOMAIN > " + file);
            return;
        }
        Element domain = doc.getDocumentElement();
        if (!domain.getTagName().equals("domain")) {
            report.problem(file + " is not a libvirt domain (its root element is <" + domain.getTagName() + ">)",
                    "give the domain's definition: virsh dumpxml DOMAIN > " + file);
            return;
        }
        try {
            sharedMemory(report, xpath, domain, file);
            filesystems(report, xpath, domain, file, sharedDir, launcher);
        } catch (XPathExpressionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sharedMemory(Report report, XPath xpath, Element domain, Path file)
            throws XPathExpressionException {
        boolean globalShared = "shared".equals(xpath.evaluate("memoryBacking/access/@mode", domain));
        NodeList cells = (NodeList) xpath.evaluate("cpu/numa/cell", domain, XPathConstants.NODESET);
        List<String> privateCells = new ArrayList<>();
        for (int i = 0; i < cells.getLength(); i++) {
            Element cell = (Element) cells.item(i);
            String access = cell.getAttribute("memAccess");
            if (!(access.equals("shared") || access.isEmpty() && globalShared)) {
                privateCells.add(cell.getAttribute("id"));
            }
        }
        if (cells.getLength() == 0 && !globalShared) {
            report.problem("the guest memory of " + file + " is not shared (no <memoryBacking><access mode='shared'/>):"
                    + " libvirt refuses to start it ('virtiofs' requires shared memory), and a QEMU started so gives the"
                    + " daemon memory it cannot map", SHARED_MEMORY_XML + " inside <domain> (virsh edit DOMAIN)");
            return;
        }
        if (!privateCells.isEmpty()) {
            report.problem("NUMA cell" + (privateCells.size() == 1 ? " " : "s ") + String.join(", ", privateCells)
                    + " of " + file + " " + (privateCells.size() == 1 ? "has" : "have") + " no shared memory: libvirt "
                    + "refuses to start the domain ('virtiofs' requires shared memory)",
                    "memAccess='shared' on every <cell> of <cpu><numa>, e.g. <cell id='0' cpus='0-1' memory='2' "
                            + "unit='GiB' memAccess='shared'/>");
            return;
        }
        report.ok("the guest memory of " + file + " is shared");
        String source = xpath.evaluate("memoryBacking/source/@type", domain);
        boolean hugepages = ((NodeList) xpath.evaluate("memoryBacking/hugepages", domain, XPathConstants.NODESET))
                .getLength() > 0;
        if (!source.equals("memfd") && !hugepages) {
            report.note("the shared memory of " + file + " has no <source type='memfd'/> or <hugepages/>: libvirt backs it"
                    + " with files in qemu.conf's memory_backing_dir, which must be big enough; " + SHARED_MEMORY_XML
                    + " needs no files");
        }
    }

    private static void filesystems(Report report, XPath xpath, Element domain, Path file, Path sharedDir,
            String launcher) throws XPathExpressionException {
        NodeList list = (NodeList) xpath.evaluate("devices/filesystem[driver/@type='virtiofs']", domain,
                XPathConstants.NODESET);
        if (list.getLength() == 0) {
            report.note(file + " has no virtiofs <filesystem>");
            return;
        }
        String binary = launcher == null ? "/path/to/bin/jvirtiofsd" : launcher;
        List<String> sources = new ArrayList<>();
        boolean sharesTheDirectory = false;
        for (int i = 0; i < list.getLength(); i++) {
            Element fs = (Element) list.item(i);
            String tag = xpath.evaluate("target/@dir", fs);
            String source = xpath.evaluate("source/@dir", fs);
            String path = xpath.evaluate("binary/@path", fs);
            String which = "the virtiofs filesystem '" + tag + "'";
            if (!source.isEmpty()) {
                sources.add(source);
                sharesTheDirectory |= sharedDir != null && sameDirectory(Path.of(source), sharedDir);
            }
            if (path.isEmpty()) {
                if (!xpath.evaluate("source/@socket", fs).isEmpty()) {
                    continue; // a daemon started by someone else, on that socket
                }
                report.note(which + " has no <binary path>: libvirt runs the first virtiofsd its vhost-user "
                        + "descriptors name; add <binary path='" + binary + "'/> to run jvirtiofsd");
            } else if (!isExecutableFile(Path.of(path))) {
                report.problem(which + " names <binary path='" + path + "'/>, which is not an executable file",
                        "<binary path='" + binary + "'/>");
            } else {
                report.ok(which + " runs " + path);
            }
        }
        if (sharedDir != null && !sharesTheDirectory) {
            report.note("no virtiofs filesystem of " + file + " shares " + sharedDir
                    + (sources.isEmpty() ? "" : " (they share " + String.join(", ", sources) + ")"));
        }
    }

    /** A regular file (after symlinks) with an x bit: libvirt, as root, can run it. */
    private static boolean isExecutableFile(Path path) {
        try {
            return Files.isRegularFile(path) && ((Integer) Files.getAttribute(path, "unix:mode") & 0111) != 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
