package dev.jvirtiofsd.daemon.check;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code jvirtiofsd check} found, in the order found: {@code ok:} lines for what passed,
 * {@code note:} lines for what matters only with other options or another setup, and for each
 * problem a {@code problem:} line followed by {@code fix:} with the commands or lines to use.
 */
public final class Report {
    /** One finding. */
    public record Finding(Kind kind, String text, List<String> fix) {
    }

    /** What a finding is. */
    public enum Kind {
        OK, NOTE, PROBLEM
    }

    private final List<Finding> findings = new ArrayList<>();

    void ok(String text) {
        findings.add(new Finding(Kind.OK, text, List.of()));
    }

    void note(String text) {
        findings.add(new Finding(Kind.NOTE, text, List.of()));
    }

    /** A problem and its fix: one or more lines, the first the one to use. */
    void problem(String text, String... fix) {
        findings.add(new Finding(Kind.PROBLEM, text, List.of(fix)));
    }

    public List<Finding> findings() {
        return List.copyOf(findings);
    }

    public long problems() {
        return findings.stream().filter(f -> f.kind() == Kind.PROBLEM).count();
    }

    /** 0 when no problem was found, 1 otherwise. */
    public int exitStatus() {
        return problems() == 0 ? 0 : 1;
    }

    public void print(PrintWriter out) {
        for (Finding f : findings) {
            switch (f.kind()) {
                case OK -> out.println("ok: " + f.text());
                case NOTE -> out.println("note: " + f.text());
                case PROBLEM -> {
                    out.println("problem: " + f.text());
                    for (int i = 0; i < f.fix().size(); i++) {
                        out.println((i == 0 ? "fix: " : "     ") + f.fix().get(i));
                    }
                }
            }
        }
        long problems = problems();
        out.println(problems == 0 ? "no problems found" : problems + (problems == 1 ? " problem" : " problems") + " found");
        out.flush();
    }
}
