package dev.jvirtiofsd.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One boot of the test guest through run-guest.sh: the guest mounts the share, runs a scenario
 * and powers off. While it runs, the console log is read as it grows, and the scenario's
 * {@code HOST-REQUEST <what>} lines run the host actions registered for them.
 */
final class GuestRun {
    /** Time past the script's own QEMU timeout before the script itself is stopped. */
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Pattern HOST_REQUEST = Pattern.compile("\\bHOST-REQUEST (\\S+)");

    /** Something the host does at the guest's request. */
    interface HostAction {
        void run() throws Exception;
    }

    private final Map<String, HostAction> hostActions = new LinkedHashMap<>();
    private final List<String> hostActionProblems = new ArrayList<>();
    private final Path socket;
    private final Path scenario;
    private final Path consoleLog;
    private final Path outputLog;
    private final Duration timeout;
    private final List<String> extraArguments = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private java.util.function.BooleanSupplier stopCondition = () -> false;

    GuestRun(Path socket, Path scenario, Path consoleLog, Path outputLog, Duration timeout) {
        this.socket = socket;
        this.scenario = scenario;
        this.consoleLog = consoleLog;
        this.outputLog = outputLog;
        this.timeout = timeout;
    }

    /** Runs the guest on {@code platform} (its kernel and QEMU); it must be {@link GuestPlatform#prepare prepared}. */
    GuestRun on(GuestPlatform platform) {
        environment.putAll(platform.environment());
        extraArguments.addAll(platform.runGuestArguments());
        return this;
    }

    /** More run-guest.sh arguments, e.g. {@code --memory-backend private}. */
    GuestRun withArguments(String... arguments) {
        extraArguments.addAll(List.of(arguments));
        return this;
    }

    /** Stops the guest early, as soon as {@code condition} holds (checked as the console is read). */
    GuestRun stopWhen(java.util.function.BooleanSupplier condition) {
        stopCondition = condition;
        return this;
    }

    GuestRun onHostRequest(String what, HostAction action) {
        hostActions.put(what, action);
        return this;
    }

    /** Boots the guest and waits until it has powered off (or has been killed at the timeout). */
    GuestOutcome run() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(GuestFiles.script("run-guest.sh").toString(),
                "--socket", socket.toString(),
                "--scenario", scenario.toString(),
                "--log", consoleLog.toString(),
                "--timeout", Long.toString(timeout.toSeconds())));
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(outputLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        ConsoleLog console = new ConsoleLog(consoleLog);
        long deadline = System.nanoTime() + timeout.plus(GRACE).toNanos();
        boolean killed = false;
        try {
            while (process.isAlive()) {
                console.readNewLines().forEach(this::dispatch);
                if (stopCondition.getAsBoolean()) {
                    ProcessTrees.stop(process);
                    break;
                }
                if (System.nanoTime() > deadline) {
                    killed = true;
                    ProcessTrees.stop(process);
                    break;
                }
                Thread.sleep(100);
            }
            process.waitFor();
        } finally {
            if (process.isAlive()) {
                ProcessTrees.stop(process);
            }
        }
        console.finish().forEach(this::dispatch);
        int status = killed ? -1 : process.exitValue();
        return new GuestOutcome(status, console.lines(), List.copyOf(hostActionProblems));
    }

    private void dispatch(String line) {
        Matcher request = HOST_REQUEST.matcher(line);
        if (!request.find()) {
            return;
        }
        String what = request.group(1);
        HostAction action = hostActions.get(what);
        if (action == null) {
            hostActionProblems.add("the guest asked for an unknown host action: " + what);
            return;
        }
        try {
            action.run();
        } catch (Exception e) {
            hostActionProblems.add("host action " + what + " failed: " + e);
        }
    }
}
