package io.workmate.bench.service;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The drain runs' table, their medians and the verdict against the goal. */
final class DrainReport {

  private DrainReport() {}

  static void header(PrintStream out, ServiceBenchOptions options) {
    List<ScriptedTurn> turns = ScriptedTurn.spread(options.jobs(), options.longestTurn(), "");
    out.printf(Locale.ROOT, "Drain: %d jobs running at SIGTERM, scripted streams of %.1f to %.1f s"
            + " (%d chunks, %d to %d ms apart), drain timeout %d s; goal: drain <= %.1f x the"
            + " longest remaining turn + %d s%n", options.jobs(),
        DrainResult.seconds(turns.get(0).streamLength()),
        DrainResult.seconds(turns.get(turns.size() - 1).streamLength()), ScriptedTurn.CHUNKS,
        turns.get(0).delayMs(), turns.get(turns.size() - 1).delayMs(),
        DrainRun.DRAIN_TIMEOUT.toSeconds(), DrainResult.GOAL_FACTOR,
        DrainResult.GOAL_SLACK.toSeconds());
    out.println("  remaining = the last job's `succeeded` (journal, read after a restart) minus"
        + " the signal; scripted = thread attached + stream length minus the signal (a floor)");
    out.println("  run  remaining s  scripted s  drain s  after last turn s  ratio  goal s"
        + "  verdict  exit  ok jobs");
  }

  static void row(PrintStream out, DrainResult result) {
    out.printf(Locale.ROOT, "  %3d  %11.2f  %10.2f  %7.2f  %17.2f  %5.2f  %6.2f  %-7s  %4d"
            + "  %d/%d%n", result.run(), DrainResult.seconds(result.longestRemaining()),
        DrainResult.seconds(result.scriptedRemaining()), DrainResult.seconds(result.drain()),
        DrainResult.seconds(result.afterLastTurn()), result.ratio(), DrainResult.seconds(result.goal()),
        result.meetsGoal() ? "PASS" : "FAIL", result.exitCode(), result.succeededOnce(),
        result.jobs().size());
  }

  /**
   * The medians and the verdict, which is the median run's: the median of drain minus goal at
   * most zero. Returns whether every run's drain was sound (exit 0, each job once, 1 attempt).
   */
  static boolean summary(PrintStream out, List<DrainResult> results) {
    double drain = median(results, r -> DrainResult.seconds(r.drain()));
    double remaining = median(results, r -> DrainResult.seconds(r.longestRemaining()));
    double after = median(results, r -> DrainResult.seconds(r.afterLastTurn()));
    double ratio = median(results, DrainResult::ratio);
    double overGoal = median(results, r -> DrainResult.seconds(r.drain().minus(r.goal())));
    long met = results.stream().filter(DrainResult::meetsGoal).count();
    out.printf(Locale.ROOT, "  median of %d: drain %.2f s, longest remaining turn %.2f s, %.2f s"
            + " after the last turn; ratio %.2f; drain - goal %+.2f s: %s (%d of %d runs met"
            + " the goal)%n", results.size(), drain, remaining, after, ratio, overGoal,
        overGoal <= 0 ? "PASS" : "FAIL", met, results.size());
    List<String> problems = results.stream().flatMap(r -> r.problems().stream()).toList();
    if (problems.isEmpty()) {
      out.println("  every run: exit code 0; after a restart every job succeeded once, in 1"
          + " attempt, none interrupted by the drain");
      return true;
    }
    out.println("  BROKEN DRAIN, the figures above do not count:");
    problems.forEach(problem -> out.println("    " + problem));
    return false;
  }

  static double median(List<DrainResult> results, ToDoubleFunction<DrainResult> value) {
    double[] values = results.stream().mapToDouble(value).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}
