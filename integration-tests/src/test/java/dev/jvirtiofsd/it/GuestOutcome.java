package dev.jvirtiofsd.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a guest run produced: run-guest.sh's exit status (0 = the scenario succeeded, 124 =
 * timeout, -1 = stopped by the test), the console lines and the scenario's checks.
 */
final class GuestOutcome {
    /** {@code CHECK <name> PASS|FAIL <detail>}; found anywhere in a line, as console noise may precede it. */
    private static final Pattern CHECK = Pattern.compile("\\bCHECK (\\S+) (PASS|FAIL)(?: (.*))?$");

    /** One check reported by the guest. */
    record Check(String name, boolean passed, String detail) {
    }

    private final int status;
    private final List<String> console;
    private final List<String> hostActionProblems;
    private final Map<String, Check> checks = new LinkedHashMap<>();
    private final List<String> duplicates = new ArrayList<>();

    GuestOutcome(int status, List<String> console, List<String> hostActionProblems) {
        this.status = status;
        this.console = console;
        this.hostActionProblems = hostActionProblems;
        for (String line : console) {
            Matcher matcher = CHECK.matcher(line);
            if (matcher.find()) {
                String detail = matcher.group(3) == null ? "" : matcher.group(3).strip();
                Check check = new Check(matcher.group(1), matcher.group(2).equals("PASS"), detail);
                if (checks.putIfAbsent(check.name(), check) != null) {
                    duplicates.add(check.name());
                }
            }
        }
    }

    int status() {
        return status;
    }

    List<String> console() {
        return console;
    }

    Optional<Check> check(String name) {
        return Optional.ofNullable(checks.get(name));
    }

    /** The detail's {@code key=value} field of a check, if the check reported one. */
    Optional<String> detailField(String checkName, String key) {
        Pattern field = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=(\\S+)");
        return check(checkName).map(Check::detail).map(field::matcher).filter(Matcher::find).map(m -> m.group(1));
    }

    boolean consoleContains(String text) {
        return console.stream().anyMatch(line -> line.contains(text));
    }

    /**
     * Everything wrong with the guest's report: the run's status, missing, failed, repeated or
     * unexpected checks, and failed host actions. Empty when all is well.
     */
    List<String> problems(List<String> expectedChecks) {
        List<String> problems = new ArrayList<>();
        if (status == 124 || status == -1) {
            problems.add("the guest timed out (run-guest.sh status " + status + ")");
        } else if (status != 0) {
            problems.add("run-guest.sh exited with " + status);
        }
        for (String name : expectedChecks) {
            Check check = checks.get(name);
            if (check == null) {
                problems.add("check " + name + ": missing");
            } else if (!check.passed()) {
                problems.add("check " + name + ": FAIL " + check.detail());
            }
        }
        for (String name : checks.keySet()) {
            if (!expectedChecks.contains(name)) {
                problems.add("check " + name + ": not expected by the test");
            }
        }
        duplicates.forEach(name -> problems.add("check " + name + ": reported twice"));
        problems.addAll(hostActionProblems);
        return problems;
    }
}
