package io.workmate.bench.codex;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The printed result: per workload a row per variant (medians over the successful runs), then
 * the ratios the issues set goals for, each marked PASS or MISS: against the SDK (the codex
 * bench's issue) and against the floor (wall time there, and issue 14's driver CPU and memory).
 */
final class ResultTable {

  static final double TIME_VS_FLOOR_MAX = 1.05;
  /** Issue 14: Workmate's own JVM at most twice the floor's JVM CPU, in the measured window. */
  static final double DRIVER_CPU_VS_FLOOR_MAX = 2.0;
  /** Issue 14: the whole tree's peak PSS at most 1.2 times the floor's. */
  static final double MEMORY_VS_FLOOR_MAX = 1.2;
  static final double SPEEDUP_VS_SDK_MIN = 3.0;
  static final double MEMORY_VS_SDK_MAX = 0.5;
  /** The issue sets the memory goal at 64 turns in flight. */
  static final int MEMORY_GOAL_IN_FLIGHT = 64;

  private final Map<Workload, Map<Variant, List<Measurement>>> runs = new LinkedHashMap<>();
  private final Map<Variant, String> descriptions;
  private boolean allGoalsMet = true;

  ResultTable(Map<Variant, String> descriptions) {
    this.descriptions = descriptions;
  }

  void add(Workload workload, Variant variant, Measurement measurement) {
    runs.computeIfAbsent(workload, w -> new LinkedHashMap<>())
        .computeIfAbsent(variant, v -> new ArrayList<>()).add(measurement);
  }

  boolean allGoalsMet() {
    return allGoalsMet;
  }

  void print(PrintStream out) {
    for (Map.Entry<Workload, Map<Variant, List<Measurement>>> entry : runs.entrySet()) {
      Workload workload = entry.getKey();
      out.printf("%n%d turns = %d threads x %d turns, %d in flight%n", workload.totalTurns(),
          workload.threads(), workload.turnsPerThread(), workload.threads());
      out.printf("  %-50s %7s %8s %7s %10s %12s %10s %8s %5s%n", "variant", "wall s",
          "turns/s", "CPU s", "driver CPU", "peak PSS MB", "driver MB", "start s", "runs");
      Map<Variant, Summary> summaries = new LinkedHashMap<>();
      entry.getValue().forEach((variant, measurements) -> {
        Optional<Summary> summary = Summary.of(workload, measurements);
        String label = "(" + variant.letter + ") " + descriptions.get(variant);
        if (summary.isPresent()) {
          Summary s = summary.get();
          summaries.put(variant, s);
          out.printf("  %-50s %7.2f %8.2f %7.2f %10.2f %12.0f %10.0f %8.2f %5s%n", label,
              s.wall(), workload.totalTurns() / s.wall(), s.cpu(), s.driverCpu(), s.pssMb(),
              s.driverMb(), s.startup(), s.succeeded() + "/" + measurements.size());
        } else {
          out.printf("  %-50s  FAILED in all %d runs%n", label, measurements.size());
          allGoalsMet = false;
        }
      });
      printRatios(out, workload, summaries);
    }
  }

  private void printRatios(PrintStream out, Workload workload, Map<Variant, Summary> s) {
    Summary a = s.get(Variant.WORKMATE);
    Summary b = s.get(Variant.DIRECT);
    Summary c = s.get(Variant.SDK);
    if (a != null && b != null) {
      ratio(out, "(a)/(b) wall time", a.wall() / b.wall(), "<=", TIME_VS_FLOOR_MAX, true);
      ratio(out, "(a)/(b) driver CPU", a.driverCpu() / b.driverCpu(), "<=",
          DRIVER_CPU_VS_FLOOR_MAX, true);
      ratio(out, "(a)/(b) peak memory", a.pssMb() / b.pssMb(), "<=", MEMORY_VS_FLOOR_MAX, true);
    }
    if (a != null && c != null) {
      ratio(out, "(c)/(a) wall time", c.wall() / a.wall(), ">=", SPEEDUP_VS_SDK_MIN, true);
      ratio(out, "(a)/(c) peak memory", a.pssMb() / c.pssMb(), "<=", MEMORY_VS_SDK_MAX,
          workload.threads() >= MEMORY_GOAL_IN_FLIGHT);
    }
    if (a != null && b != null) {
      out.printf("  %-22s %6.3f   (no goal)%n", "(a)/(b) CPU", a.cpu() / b.cpu());
      out.printf("  %-22s %6.3f   (no goal; runtime start-up + 1 turn)%n", "(a)/(b) start",
          a.startup() / b.startup());
    }
  }

  private void ratio(PrintStream out, String what, double value, String op, double goal,
      boolean goalApplies) {
    if (!goalApplies) {
      out.printf("  %-22s %6.3f   (goal %s %.2f applies at %d in flight)%n", what, value, op,
          goal, MEMORY_GOAL_IN_FLIGHT);
      return;
    }
    boolean pass = op.equals("<=") ? value <= goal : value >= goal;
    allGoalsMet &= pass;
    out.printf("  %-22s %6.3f   goal %s %.2f   %s%n", what, value, op, goal,
        pass ? "PASS" : "MISS");
  }

  private static final double MIB = 1024.0 * 1024.0;

  /** Medians of each figure over the successful runs (each figure on its own). */
  record Summary(double wall, double cpu, double driverCpu, double pssMb, double driverMb,
      double startup, int succeeded) {

    static Optional<Summary> of(Workload workload, List<Measurement> measurements) {
      List<Measurement> ok = measurements.stream().filter(m -> m.succeeded(workload)).toList();
      if (ok.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Summary(median(ok, Measurement::wallSeconds),
          median(ok, Measurement::windowCpuSeconds),
          median(ok, Measurement::windowDriverCpuSeconds),
          median(ok, m -> m.peakPssBytes() / MIB),
          median(ok, m -> m.driverPssAtPeakBytes() / MIB),
          median(ok, Measurement::startupSeconds), ok.size()));
    }

    private static double median(List<Measurement> runs, ToDoubleFunction<Measurement> figure) {
      double[] values = runs.stream().mapToDouble(figure).toArray();
      Arrays.sort(values);
      int middle = values.length / 2;
      return values.length % 2 == 1 ? values[middle]
          : (values[middle - 1] + values[middle]) / 2;
    }
  }
}
