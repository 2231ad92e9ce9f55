package io.workmate.bench.cluster;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** The tables and verdicts of {@code scripts/bench cluster}, on stdout. */
final class ClusterReport {

  static final double GOAL_ONE_NODE_JOBS_PER_SECOND = 5_000;
  static final double GOAL_RATIO = 0.8;
  static final double GOAL_RECOVERY_SECONDS = 30;

  private final PrintStream out;
  private final ClusterBenchOptions options;

  ClusterReport(PrintStream out, ClusterBenchOptions options) {
    this.out = out;
    this.options = options;
  }

  void throughput(List<ThroughputPhase.Sample> samples) {
    out.printf(Locale.ROOT, "%nThroughput: %,d echo jobs per run, enqueue -> succeeded, over %d"
        + " keep-alive HTTP connections (connection k to node k mod n, a 503 sent again to the"
        + " next node), after %,d warm-up jobs per node on the same cluster; a fresh cluster and"
        + " database per run; %d job shards%s%n%n", options.jobs(), options.connections(),
        options.warmupJobs(), options.jobShards(), options.localSubmits() ? "; --local-submits:"
            + " every job's shard lives on the node it is sent to" : "");
    out.println("| round | nodes | jobs/s | submit s | total s | 503s sent again | failed |"
        + " node CPU ms/job | cores: nodes / db / bench / others | PSS MB (JVMs) | listing ="
        + " /metrics | unreachable / downs / gone |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (ThroughputPhase.Sample sample : samples) {
      ThroughputRun.Result r = sample.result();
      CpuShares.Reading cpu = r.cpu();
      out.printf(Locale.ROOT, "| %d | %d | %,.0f%s%s | %.2f | %.2f | %d | %d | %.2f |"
              + " %.2f / %.2f / %.2f / %.2f | %.0f (%.0f) | %,d = %,d %s | %d / %d / %d |%n",
          sample.round(), sample.nodes(), r.jobsPerSecond(), sample.startedQuiet() ? "" : " *",
          r.completed() ? "" : " (INCOMPLETE)", r.submitSeconds(), r.seconds(), r.retried(),
          r.failed(), r.nodeMillisPerJob(), cpu.nodes(), cpu.database(), cpu.bench(),
          cpu.others(), sample.pssBytes() / 1048576.0, sample.jvmPssBytes() / 1048576.0,
          sample.listing().count(), sample.metricsCount(),
          sample.listing().count() == sample.metricsCount() ? "ok" : "MISMATCH",
          sample.events().unreachable(), sample.events().downs(), sample.events().gone());
    }
    if (samples.stream().anyMatch(sample -> !sample.startedQuiet())) {
      out.println("* the machine was not quiet (under 0.3 cores busy) within 30 s before the"
          + " run; it ran anyway");
    }
    List<ThroughputPhase.Sample> one = bySize(samples, 1);
    List<ThroughputPhase.Sample> many = bySize(samples, options.nodes());
    double oneRate = median(one, s -> s.result().jobsPerSecond());
    out.printf(Locale.ROOT, "%n1 node:  median %,.0f jobs/s (runs %s); goal >= %,.0f: %s%n",
        oneRate, list(one, s -> s.result().jobsPerSecond(), "%,.0f"),
        GOAL_ONE_NODE_JOBS_PER_SECOND, verdict(oneRate >= GOAL_ONE_NODE_JOBS_PER_SECOND,
            oneRate / GOAL_ONE_NODE_JOBS_PER_SECOND));
    if (many.isEmpty()) {
      out.printf(Locale.ROOT, "%d nodes: not measured (--one-node-only)%n", options.nodes());
      out.printf(Locale.ROOT, "memory after the run (PSS of the node's process tree: JVM and"
              + " codex app-server): %.0f MB; the JVM alone %.0f MB; when ready, before the"
              + " warm-up: %.0f MB%n", median(one, s -> s.pssBytes() / 1048576.0),
          median(one, s -> s.jvmPssBytes() / 1048576.0),
          median(one, s -> s.readyPssBytes() / 1048576.0));
      out.printf(Locale.ROOT, "node CPU per job: %.2f ms (median)%n",
          median(one, s -> s.result().nodeMillisPerJob()));
    } else {
      double manyRate = median(many, s -> s.result().jobsPerSecond());
      double ratio = manyRate / oneRate;
      out.printf(Locale.ROOT, "%d nodes: median %,.0f jobs/s (runs %s)%n", options.nodes(),
          manyRate, list(many, s -> s.result().jobsPerSecond(), "%,.0f"));
      out.printf(Locale.ROOT, "ratio %d nodes / 1 node: %.2f (medians; per round %s); goal >= %.1f:"
              + " %s%n", options.nodes(), ratio, roundRatios(one, many), GOAL_RATIO,
          verdict(ratio >= GOAL_RATIO, ratio / GOAL_RATIO));
      double onePss = median(one, s -> s.pssBytes() / 1048576.0);
      double manyPss = median(many, s -> s.pssBytes() / 1048576.0);
      out.printf(Locale.ROOT, "memory after the run (PSS of the nodes' process trees: JVM and"
              + " codex app-server): 1 node %.0f MB, %d nodes %.0f MB (medians), ratio %.2f (%.0f"
              + " MB per node); the JVMs alone %.0f and %.0f MB; when ready, before the warm-up:"
              + " %.0f and %.0f MB%n", onePss, options.nodes(), manyPss, manyPss / onePss,
          manyPss / options.nodes(), median(one, s -> s.jvmPssBytes() / 1048576.0),
          median(many, s -> s.jvmPssBytes() / 1048576.0),
          median(one, s -> s.readyPssBytes() / 1048576.0),
          median(many, s -> s.readyPssBytes() / 1048576.0));
      out.printf(Locale.ROOT, "node CPU per job: 1 node %.2f ms, %d nodes %.2f ms (medians)%n",
          median(one, s -> s.result().nodeMillisPerJob()), options.nodes(),
          median(many, s -> s.result().nodeMillisPerJob()));
    }
    NodeEvents events = samples.stream().map(ThroughputPhase.Sample::events)
        .reduce(NodeEvents.NONE, NodeEvents::plus);
    out.printf(Locale.ROOT, "false downs during the throughput runs: %d downing decisions, %d"
            + " nodes gone (exited or not ready after the run), %d unreachable marks; goal 0:"
            + " %s%n", events.downs(), events.gone(), events.unreachable(),
        events.downs() + events.gone() == 0 ? "PASS" : "FAIL");
    if (events.sample() != null) {
      out.println("  first such log line: " + events.sample());
    }
    out.printf(Locale.ROOT, "counting: one poll of /metrics on every node took %s ms; listing"
            + " the succeeded jobs took %s s (1,000 a page, every shard asked per page)%n",
        list(samples, ThroughputPhase.Sample::metricsPollMillis, "%.1f"),
        list(samples, s -> s.listing().seconds(), "%.2f"));
    samples.stream().map(s -> s.result().firstError()).filter(error -> error != null)
        .findFirst().ifPresent(error -> out.println("first load error: " + error));
  }

  void recovery(List<RecoveryRun.Result> results) {
    out.printf(Locale.ROOT, "%nRecovery: %d nodes, %d echo jobs/s sent to the survivors-to-be,"
        + " kill -9 of a node other than node-a; recovery = kill -> the first success on a"
        + " survivor of a job of the dead node's shards that had not succeeded at the kill%n%n",
        options.nodes(), options.recoveryRate());
    out.println("| kill | node | its shards | unreachable s | downed s | first 202 s | recovery s |"
        + " its jobs run by survivors (held at kill) | lost | no 202 | rejoin s | shards after |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (RecoveryRun.Result r : results) {
      out.printf(Locale.ROOT, "| %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %d (%d) | %d | %d |"
              + " %.1f | %s |%n", r.round(), r.victim(), r.victimShards(),
          r.unreachableSeconds(), r.downedSeconds(),
          r.firstAckSeconds(), r.recoverySeconds(), r.candidates(), r.heldAtKill(), r.lost(),
          r.unacknowledged(), r.rejoinSeconds(), ShardMap.counts(r.map()).values());
    }
    double[] times = results.stream().mapToDouble(RecoveryRun.Result::recoverySeconds)
        .sorted().toArray();
    boolean measured = Arrays.stream(times).noneMatch(Double::isNaN);
    double max = measured ? times[times.length - 1] : Double.NaN;
    out.printf(Locale.ROOT, "%nrecovery: p50 %.2f s, max %.2f s; goal <= %.0f s: %s%n",
        measured ? median(times) : Double.NaN, max, GOAL_RECOVERY_SECONDS,
        measured && max <= GOAL_RECOVERY_SECONDS ? "PASS" : "FAIL");
    results.stream().map(RecoveryRun.Result::firstProblem).filter(p -> p != null).findFirst()
        .ifPresent(problem -> out.println("first problem: " + problem));
  }

  private static List<ThroughputPhase.Sample> bySize(List<ThroughputPhase.Sample> samples,
      int nodes) {
    return samples.stream().filter(s -> s.nodes() == nodes).toList();
  }

  private static String roundRatios(List<ThroughputPhase.Sample> one,
      List<ThroughputPhase.Sample> many) {
    return one.stream().map(o -> many.stream().filter(m -> m.round() == o.round()).findFirst()
            .map(m -> String.format(Locale.ROOT, "%.2f", m.result().jobsPerSecond()
                / o.result().jobsPerSecond())).orElse("-"))
        .collect(Collectors.joining(" / "));
  }

  private static String verdict(boolean met, double share) {
    return met ? "PASS" : String.format(Locale.ROOT, "MISS (%.0f %% of the goal)", share * 100);
  }

  private static <T> double median(List<T> items, ToDoubleFunction<T> value) {
    return median(items.stream().mapToDouble(value).sorted().toArray());
  }

  /** The middle value; the mean of the two middle ones for an even count. */
  static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static <T> String list(List<T> items, ToDoubleFunction<T> value, String format) {
    return items.stream().map(item -> String.format(Locale.ROOT, format,
        value.applyAsDouble(item))).collect(Collectors.joining(" / "));
  }
}
