package io.workmate.bench.service;

import io.workmate.bench.common.Machine;
import io.workmate.codex.config.CodexBinary;
import io.workmate.codex.config.CodexNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code scripts/bench service}: issue 13's performance figures, measured against real
 * {@code bin/workmate serve} processes of this checkout, offline on the built-in scripted
 * provider, each on a fresh data dir.
 *
 * <ol>
 *   <li>Drain: SIGTERM with N jobs running turns of different lengths, the time to the
 *       process's exit against the longest remaining turn (goal ≤ 1.1 × that + 1 s); every run
 *       checked after a restart (exit 0, every job succeeded once, in 1 attempt).
 *   <li>Watchdog: the gaps between {@code WATCHDOG=1} pings on a real notify socket, idle and
 *       then under the jobs bench's load at its full rate (goal: none over WATCHDOG_USEC).
 * </ol>
 *
 * <p>Exit code 0 when everything ran and every drain was sound, even if a goal was missed (the
 * table says PASS or FAIL); 1 when serve failed or a drain was broken; 2 when codex is missing
 * or an option is wrong.
 */
public final class ServiceBench {

  private final Path home;
  private final ServiceBenchOptions options;
  private final PrintStream out = System.out;

  private ServiceBench(Path home, ServiceBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(ServiceBenchOptions.USAGE);
      return;
    }
    ServiceBenchOptions options;
    try {
      options = ServiceBenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage() + "\n" + ServiceBenchOptions.USAGE);
      System.exit(2);
      return;
    }
    String home = System.getProperty(CodexBinary.HOME_PROPERTY);
    if (home == null) {
      System.err.println("bench: system property workmate.home is not set; use scripts/bench");
      System.exit(2);
    }
    System.exit(new ServiceBench(Path.of(home).toAbsolutePath(), options).run());
  }

  private int run() throws Exception {
    String codex;
    try {
      // where serve looks too (WORKMATE_CODEX_BINARY is not passed on to it)
      Path binary = CodexBinary.locate(Optional.empty(), Optional.of(home),
          System.getenv("PATH"));
      codex = CodexBinary.version(binary) + " (" + binary + ")";
    } catch (CodexNotFoundException e) {
      System.err.println("bench: no codex binary, and every turn here is a Codex turn"
          + " (scripts/setup installs it)\n" + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      System.err.println("bench: codex does not run: " + e.getMessage());
      return 2;
    }
    Files.createDirectories(options.baseDir());
    Path root = Files.createTempDirectory(options.baseDir(), "workmate-service-bench");
    long started = System.nanoTime();
    out.println("Service bench (issue 13): bin/workmate serve of " + home + ", offline, the"
        + " built-in scripted model provider, a fresh data dir per serve under " + root);
    out.println("  machine: " + Machine.describe());
    out.println("  codex:   " + codex);
    out.println("  at start: load average " + Machine.loadAverage("unknown"));
    boolean sound = true;
    try {
      if (options.drain()) {
        sound = drain(root);
      }
      if (options.watchdogPhase()) {
        out.println();
        WatchdogReport.header(out, options);
        say("watchdog: starting serve with NOTIFY_SOCKET");
        Path dir = Files.createDirectories(root.resolve("watchdog"));
        // a missed goal is in the table, not in the exit code
        WatchdogReport.print(out, new WatchdogRun(home, options).run(dir), options);
      }
    } catch (RuntimeException | IOException e) {
      System.err.println("bench: " + (e instanceof IllegalStateException ? e.getMessage()
          : e.toString()));
      System.err.println("bench: the data dirs and logs are kept under " + root);
      return 1;
    }
    out.printf(Locale.ROOT, "%nbench took %.0f s; at the end: load average %s%n",
        (System.nanoTime() - started) / 1e9, Machine.loadAverage("unknown"));
    if (options.keep() || !sound) {
      System.err.println("bench: the data dirs and logs are kept under " + root);
    } else {
      deleteTree(root);
    }
    return sound ? 0 : 1;
  }

  private boolean drain(Path root) throws IOException {
    DrainReport.header(out, options);
    DrainRun drain = new DrainRun(home, options);
    List<DrainResult> results = new ArrayList<>();
    for (int run = 1; run <= options.runs(); run++) {
      say("drain run " + run + " of " + options.runs());
      Path dir = Files.createDirectories(root.resolve("drain-" + run));
      DrainResult result = drain.run(run, dir);
      results.add(result);
      say("drain run " + run + ": remaining turn per job at the signal (s): "
          + result.jobs().stream().filter(job -> job.succeededAt() != null)
              .map(job -> String.format(Locale.ROOT, "%.2f", DrainResult.seconds(
                  java.time.Duration.between(result.signalAt(), job.succeededAt()))))
              .toList());
      DrainReport.row(out, result);
    }
    return DrainReport.summary(out, results);
  }

  /** Progress, to stderr: stdout stays the table. */
  private static void say(String message) {
    System.err.println("bench: " + message);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
