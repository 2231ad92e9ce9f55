package io.workmate.bench.gateway;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The printed result: failover per fault with the goal (every sample within 1 s,
 * PASS/MISS), then the round-trip comparison with its ratios (no goal set).
 */
final class GatewayReport {

  static final Duration FAILOVER_GOAL = Duration.ofSeconds(1);

  private final Map<String, MachineLoad.Reading> machineBefore;
  private final List<FailoverResult> failovers;
  private final Optional<RttResult> rtt;

  GatewayReport(Map<String, MachineLoad.Reading> machineBefore, List<FailoverResult> failovers,
      Optional<RttResult> rtt) {
    this.machineBefore = machineBefore;
    this.failovers = failovers;
    this.rtt = rtt;
  }

  /** Every failover sample within the goal (and every round completed). */
  boolean failoverGoalMet() {
    return failovers.stream().allMatch(GatewayReport::passes);
  }

  void print(PrintStream out) {
    out.printf("Machine before each phase:%n");
    machineBefore.forEach((phase, reading) ->
        out.printf("  %-24s %s%n", phase + ":", reading.describe()));
    if (!failovers.isEmpty()) {
      printFailover(out);
    }
    rtt.ifPresent(result -> printRtt(out, result));
  }

  private void printFailover(PrintStream out) {
    out.printf("%nFailover: fault injected -> ModeChanged(to=offline) seen by a subscriber actor"
        + "%n(requested mode auto, local gateway only; System.nanoTime() on both ends)%n");
    out.printf("  %-24s %7s %8s %8s %12s  %s%n", "fault", "rounds", "p50 ms", "max ms", "goal",
        "verdict");
    for (FailoverResult result : failovers) {
      Latencies f = result.failover();
      out.printf(Locale.ROOT, "  %-24s %7s %8s %8s %12s  %s%n", result.label(),
          f.count() + "/" + result.rounds(), f.isEmpty() ? "-" : fmt(f.p50Ms()),
          f.isEmpty() ? "-" : fmt(f.maxMs()), "<= " + FAILOVER_GOAL.toMillis() + " ms",
          passes(result) ? "PASS" : "MISS");
    }
    out.printf("  samples, ms in order:%n");
    for (FailoverResult result : failovers) {
      out.printf("    %-22s %s%n", result.label() + ":", result.failover().samplesMs());
    }
    out.printf("  back on local after the repair started (no goal; the reconnect backoff"
        + " 250 ms-5 s,%n  a 0.5 s hysteresis, and for kills the gateway restart):%n");
    for (FailoverResult result : failovers) {
      Latencies r = result.recovery();
      out.printf(Locale.ROOT, "    %-22s %s%s%n", result.label() + ":", r.isEmpty() ? "-"
          : String.format(Locale.ROOT, "p50 %.2f s, max %.2f s (s: %s)", r.p50Ms() / 1000,
              r.maxMs() / 1000, r.samplesSeconds()), restarts(result));
    }
    for (FailoverResult result : failovers) {
      if (!result.exitTimes().isEmpty()) {
        Latencies exits = Latencies.of(result.exitTimes().stream().mapToLong(Duration::toNanos)
            .toArray());
        out.printf(Locale.ROOT, "  %s: the JVM saw the gateway process exit after p50 %s ms,"
                + " max %s ms (%s)%n", result.label(), fmt(exits.p50Ms()), fmt(exits.maxMs()),
            exits.samplesMs());
      }
    }
    out.printf("  A SIGKILLed gateway and a cut connection look the same to the client: its TCP"
        + " connection%n  ends without a WebSocket close frame. A kill just arrives later: the"
        + " kernel closes a dead%n  process's sockets only after freeing its memory (~1 GB"
        + " here). So the cheap proxy cuts%n  measure the runtime's own share in number; the"
        + " real kills measure the whole chain.%n");
    for (FailoverResult result : failovers) {
      result.problems().forEach(problem -> out.printf("  PROBLEM: %s%n", problem));
    }
  }

  private void printRtt(PrintStream out, RttResult result) {
    out.printf("%nhealth round trip: sequential, one connection per client, %d measured calls"
            + " each%n(after %d warm-up), alternating between the clients in %d blocks%n",
        result.actor().count(), result.warmup(), result.blocks());
    out.printf("  %-44s %7s %7s %7s %8s %8s%n", "client", "p50 ms", "p90 ms", "p99 ms",
        "mean ms", "max ms");
    row(out, "(a) GatewayConnection actor (driver actor)", result.actor());
    row(out, "(b) raw JDK WebSocket (java.net.http)", result.raw());
    out.printf(Locale.ROOT, "  (a)/(b): mean %.2fx, p50 %.2fx  (no goal; extra per call: mean"
            + " %+.3f ms, p50 %+.3f ms)%n", result.meanRatio(), result.p50Ratio(),
        result.actor().meanMs() - result.raw().meanMs(),
        result.actor().p50Ms() - result.raw().p50Ms());
    out.printf("  (a) sends each call from the driver actor's reply handler: no ask pattern, no"
        + " future.%n");
  }

  private static void row(PrintStream out, String label, Latencies l) {
    out.printf(Locale.ROOT, "  %-44s %7.3f %7.3f %7.3f %8.3f %8.2f%n", label, l.p50Ms(),
        l.percentileMs(90), l.percentileMs(99), l.meanMs(), l.maxMs());
  }

  private static boolean passes(FailoverResult result) {
    return result.complete() && !result.failover().isEmpty()
        && result.failover().maxMs() <= FAILOVER_GOAL.toMillis();
  }

  private static String restarts(FailoverResult result) {
    if (result.restartTimes().isEmpty()) {
      return "";
    }
    return " (gateway restarts: " + result.restartTimes().stream()
        .map(d -> String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0))
        .collect(Collectors.joining(", ")) + ")";
  }

  private static String fmt(double ms) {
    return String.format(Locale.ROOT, ms >= 100 ? "%.0f" : "%.1f", ms);
  }
}
