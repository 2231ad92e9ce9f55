package io.workmate.bench.codex;

import java.util.List;
import java.util.Optional;

/**
 * One variant run, as the bench saw it from outside plus what the driver reported.
 *
 * @param processMillis from launching the driver to its exit (includes JVM/Node start-up, the
 *     warm-up turn and shutting the codex processes down)
 * @param processCpuSeconds user + system CPU of the driver's whole process tree over its life
 * @param windowCpuSeconds the same, only between the driver's ready and done marks (the
 *     measured workload); NaN when the driver did not print both
 * @param windowDriverCpuSeconds the part of {@code windowCpuSeconds} the driver process itself
 *     used (the JVM or Node, without codex)
 * @param peakPssBytes the largest sum of PSS over the driver and its live descendants
 * @param peakShares each process's PSS in that sample, the driver first
 * @param samplerCpuSeconds CPU the bench's memory sampler used meanwhile (not part of any figure,
 *     but taken from the same two cores)
 * @param report the driver's own numbers; empty when it died before reporting
 */
record Measurement(long processMillis, double processCpuSeconds, double windowCpuSeconds,
    double windowDriverCpuSeconds, long peakPssBytes, List<ProcessShare> peakShares,
    double samplerCpuSeconds, int exitCode,
    Optional<DriverReport> report, List<String> outputTail) {

  /** Every turn ended with the scripted reply and the driver exited cleanly. */
  boolean succeeded(Workload workload) {
    return exitCode == 0 && report.isPresent() && !Double.isNaN(windowCpuSeconds) && report.get().failed() == 0
        && report.get().completed() == workload.totalTurns();
  }

  /** The driver process's own PSS in the peak sample. */
  long driverPssAtPeakBytes() {
    return peakShares.isEmpty() ? 0 : peakShares.get(0).pssBytes();
  }

  double wallSeconds() {
    return report.map(r -> r.wallMillis() / 1000.0).orElse(Double.NaN);
  }

  double startupSeconds() {
    return report.map(r -> r.startupMillis() / 1000.0).orElse(Double.NaN);
  }

  String problem(Workload workload) {
    if (report.isEmpty()) {
      return "exit code " + exitCode + ", no report; last output:\n  "
          + String.join("\n  ", outputTail);
    }
    DriverReport r = report.get();
    return r.completed() + "/" + workload.totalTurns() + " turns as scripted, " + r.failed()
        + " failed, exit code " + exitCode + (r.errors().isEmpty() ? ""
            : "; first errors:\n  " + String.join("\n  ", r.errors()));
  }
}
