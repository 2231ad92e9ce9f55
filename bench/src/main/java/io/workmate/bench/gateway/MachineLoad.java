package io.workmate.bench.gateway;

import io.workmate.bench.common.Machine;
import java.time.Duration;
import java.util.Locale;

/**
 * How busy the CPUs are, from {@code /proc/stat}: latencies on a two-core machine shared with
 * other jobs mean little, so each phase waits (a while) for the machine to calm down and the
 * table says how busy it was when the phase began.
 */
final class MachineLoad {

  /** Below this share of all CPU time busy, the machine counts as quiet. */
  static final double QUIET_BUSY_PERCENT = 25;
  private static final Duration SAMPLE = Duration.ofSeconds(2);

  private MachineLoad() {}

  /** The state a phase started in. */
  record Reading(double busyPercent, String loadAverage, Duration waited, boolean quiet) {

    String describe() {
      return String.format(Locale.ROOT, "CPUs %.0f%% busy over %d s, load average %s%s",
          busyPercent, SAMPLE.toSeconds(), loadAverage, quiet ? ""
              : " (still busy after waiting " + waited.toSeconds() + " s: figures less reliable)");
    }
  }

  /** Samples until the CPUs are quiet or {@code maxWait} has passed; returns the last sample. */
  static Reading awaitQuiet(Duration maxWait) {
    long start = System.nanoTime();
    while (true) {
      double busy = busyPercent();
      Duration waited = Duration.ofNanos(System.nanoTime() - start);
      boolean quiet = busy < QUIET_BUSY_PERCENT;
      if (quiet || waited.compareTo(maxWait) >= 0 || Double.isNaN(busy)) {
        return new Reading(busy, Machine.loadAverage("?"), waited, quiet);
      }
    }
  }

  /** Share of all CPU time that was not idle or iowait over {@link #SAMPLE}; NaN off Linux. */
  private static double busyPercent() {
    long[] before = Machine.cpuTimes();
    try {
      Thread.sleep(SAMPLE.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
    long[] after = Machine.cpuTimes();
    if (before == null || after == null) {
      return Double.NaN;
    }
    long total = after[0] - before[0];
    long idle = after[1] - before[1];
    return total <= 0 ? Double.NaN : 100.0 * (total - idle) / total;
  }
}
