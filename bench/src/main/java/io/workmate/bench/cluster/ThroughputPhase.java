package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import io.workmate.bench.common.Machine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The throughput phase: in each round a fresh 1-node cluster and a fresh n-node cluster (the
 * order alternates between rounds, so a drift of the shared machine's speed does not favour
 * one), each on a new database: a warm-up run that is not counted, the measured run, then the
 * nodes' memory, a check of the count against the listing, and what the logs say about the
 * membership while the cluster ran.
 */
final class ThroughputPhase {

  /** How long a measured run waits for the machine to be quiet before it starts anyway. */
  private static final Duration IDLE_WAIT = Duration.ofSeconds(30);
  /** Quiet: all CPUs together busy less than this many cores over a second (the idle nodes'
   * own timers, heartbeats and health checks take about 0.05 cores each). */
  private static final double IDLE_CORES = 0.3;

  /**
   * One measured run.
   *
   * @param startedQuiet whether the machine was quiet before the run started
   * @param readyPssBytes PSS of the nodes' process trees once the cluster was ready, before
   *     the warm-up
   * @param pssBytes PSS of the nodes' process trees, summed, right after the run
   * @param jvmPssBytes the same for the JVMs alone
   * @param listing the succeeded jobs listed after the run, and what listing them cost
   * @param metricsCount the count by {@code /metrics} at the same time (the listing's check)
   * @param metricsPollMillis one poll of the count over all nodes, as the bench polls it
   * @param events unreachable marks, downs and exits over the cluster's whole life
   */
  record Sample(int round, int nodes, boolean startedQuiet, long readyPssBytes,
      ThroughputRun.Result result,
      long pssBytes, long jvmPssBytes, SucceededCount.Listing listing, long metricsCount,
      double metricsPollMillis, NodeEvents events) {}

  private final Path home;
  private final ClusterBenchOptions options;

  ThroughputPhase(Path home, ClusterBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  List<Sample> run(Path root) throws IOException, InterruptedException {
    List<Sample> samples = new ArrayList<>();
    for (int round = 1; round <= options.repeat(); round++) {
      List<Integer> sizes = options.oneNodeOnly() ? List.of(1)
          : round % 2 == 1 ? List.of(1, options.nodes()) : List.of(options.nodes(), 1);
      for (int size : sizes) {
        samples.add(measure(root, round, size));
      }
    }
    return samples;
  }

  private Sample measure(Path root, int round, int size) throws IOException,
      InterruptedException {
    String name = "throughput-" + round + "-" + size + "n";
    ClusterBench.say(name + ": starting " + size + " node(s) on a fresh PostgreSQL");
    try (LocalCluster cluster = LocalCluster.start(home, root.resolve(name), size,
        options.jobShards(), options.javaOpts())) {
      List<ClusterNode> nodes = cluster.nodes();
      long readyPss = cluster.pssBytes();
      if (options.warmupJobs() > 0) {
        // per node: each JVM's compiler needs as many requests to warm up as one alone does
        ThroughputRun.Result warm = new ThroughputRun(cluster, name + "-warmup",
            options.warmupJobs() * size, options.connections(), options.localSubmits()).run();
        ClusterBench.say(String.format(Locale.ROOT, "%s: warm-up %,.0f jobs/s", name,
            warm.jobsPerSecond()));
      }
      boolean quiet = awaitQuiet();
      if (!quiet) {
        ClusterBench.say(name + ": the machine did not get quiet within "
            + IDLE_WAIT.toSeconds() + " s; measuring anyway (see the others column)");
      }
      ThroughputRun.Result result = new ThroughputRun(cluster, name, options.jobs(),
          options.connections(), options.localSubmits()).run();
      long pss = cluster.pssBytes();
      long jvmPss = cluster.jvmPssBytes();
      long pollStart = System.nanoTime();
      long metricsCount = SucceededCount.fromMetrics(nodes);
      double pollMillis = (System.nanoTime() - pollStart) / 1e6;
      SucceededCount.Listing listing = SucceededCount.fromListing(nodes.get(0));
      NodeEvents events = NodeEvents.scan(nodes);
      ClusterBench.say(String.format(Locale.ROOT, "%s: %,.0f jobs/s, PSS %.0f MB", name,
          result.jobsPerSecond(), pss / 1048576.0));
      return new Sample(round, size, quiet, readyPss, result, pss, jvmPss, listing, metricsCount,
          pollMillis, events);
    }
  }

  /** Waits until the CPUs are quiet over a second, up to {@link #IDLE_WAIT}; whether they were. */
  private static boolean awaitQuiet() {
    return Poll.until(IDLE_WAIT, Duration.ZERO, () -> {
      long[] before = Machine.cpuTimes();
      Poll.pause(1_000);
      long[] after = Machine.cpuTimes();
      if (before == null || after == null || after[0] <= before[0]) {
        return Optional.of(false); // no /proc/stat: nothing to wait for
      }
      double busyCores = (double) (after[0] - before[0] - (after[1] - before[1]))
          / (after[0] - before[0]) * Runtime.getRuntime().availableProcessors();
      return busyCores < IDLE_CORES ? Optional.of(true) : Optional.empty();
    }).orElse(false);
  }
}
