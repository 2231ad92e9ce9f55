package io.workmate.bench.cluster;

import io.workmate.bench.common.Machine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code scripts/bench cluster}: issue 15's performance figures for cluster mode, measured
 * against real {@code bin/workmate serve} nodes of this checkout on this machine, each cluster
 * on a private PostgreSQL of its own ({@code scripts/postgres}), offline, with the echo agent.
 *
 * <ol>
 *   <li>Throughput: jobs/s enqueue → succeeded, 1 node vs n nodes (goals: 1 node ≥ 5,000
 *       jobs/s, n / 1 ≥ 0.8), medians of rounds; with it the nodes' memory (PSS) after the run
 *       and the nodes marked unreachable, downed or gone during the runs (goal 0).
 *   <li>Recovery: kill -9 of a node under a steady load, the time until a job of its shards
 *       succeeds on a survivor (goal ≤ 30 s), p50 and max over the kills.
 * </ol>
 *
 * <p>Exit code 0 when everything ran, even if a goal was missed (the report says PASS, MISS or
 * FAIL); 1 when a node, the database or a run failed (the dirs and logs are kept); 2 for a
 * wrong option.
 */
public final class ClusterBench {

  private final Path home;
  private final ClusterBenchOptions options;
  private final PrintStream out = System.out;

  private ClusterBench(Path home, ClusterBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(ClusterBenchOptions.USAGE);
      return;
    }
    ClusterBenchOptions options;
    try {
      options = ClusterBenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage() + "\n" + ClusterBenchOptions.USAGE);
      System.exit(2);
      return;
    }
    String home = System.getProperty("workmate.home");
    if (home == null) {
      System.err.println("bench: system property workmate.home is not set; use scripts/bench");
      System.exit(2);
    }
    System.exit(new ClusterBench(Path.of(home).toAbsolutePath(), options).run());
  }

  private int run() throws Exception {
    Files.createDirectories(options.baseDir());
    Path root = Files.createTempDirectory(options.baseDir(), "workmate-cluster-bench");
    // as root, scripts/postgres runs the server as the postgres user, which must reach its dir
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    long started = System.nanoTime();
    out.println("Cluster bench (issue 15): bin/workmate serve nodes of " + home + " in cluster"
        + " mode, offline, echo agent, each cluster on a fresh private PostgreSQL"
        + " (scripts/postgres), dirs under " + root);
    out.println("  machine: " + Machine.describe());
    out.println("  nodes' JVM: " + (options.javaOpts().isEmpty()
        ? "bin/workmate's options for serve" : "WORKMATE_JAVA_OPTS=" + options.javaOpts()));
    out.println("  at start: load average " + Machine.loadAverage("unknown"));
    ClusterReport report = new ClusterReport(out, options);
    try {
      if (options.throughput()) {
        report.throughput(new ThroughputPhase(home, options).run(root));
      }
      if (options.recovery()) {
        report.recovery(new RecoveryPhase(home, options).run(root));
      }
    } catch (RuntimeException | IOException e) {
      System.err.println("bench: " + (e instanceof IllegalStateException ? e.getMessage()
          : e.toString()));
      System.err.println("bench: the dirs and logs are kept under " + root);
      return 1;
    }
    out.printf(Locale.ROOT, "%nbench took %.0f s; at the end: load average %s%n",
        (System.nanoTime() - started) / 1e9, Machine.loadAverage("unknown"));
    if (options.keep()) {
      System.err.println("bench: the dirs and logs are kept under " + root);
    } else {
      deleteTree(root);
    }
    return 0;
  }

  /** Progress, to stderr: stdout stays the report. */
  static void say(String message) {
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
