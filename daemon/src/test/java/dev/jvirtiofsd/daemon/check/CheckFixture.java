package dev.jvirtiofsd.daemon.check;

import dev.jvirtiofsd.daemon.cli.Options;
import dev.jvirtiofsd.daemon.idmap.IdMapRule;
import java.nio.file.Path;
import java.util.List;

/** Setups for the check tests: a share, the guest user, the daemon's id translation. */
final class CheckFixture {
    private CheckFixture() {
    }

    static CheckSetup setup(Path share, Integer guestUid, Integer guestGid, Path domainXml, String... translate) {
        Options o = new Options();
        for (String rule : translate) {
            String[] kindAndRule = rule.split(" ", 2);
            (kindAndRule[0].equals("uid") ? o.translateUid : o.translateGid).add(IdMapRule.parse(kindAndRule[1]));
        }
        return new CheckSetup(share, guestUid, guestGid, domainXml, o, 0, "root", "/opt/jvirtiofsd/bin/jvirtiofsd");
    }

    static String text(Report report) {
        java.io.StringWriter out = new java.io.StringWriter();
        report.print(new java.io.PrintWriter(out));
        return out.toString();
    }

    static List<Report.Finding> problems(Report report) {
        return report.findings().stream().filter(f -> f.kind() == Report.Kind.PROBLEM).toList();
    }
}
