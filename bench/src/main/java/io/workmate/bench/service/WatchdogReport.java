package io.workmate.bench.service;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The watchdog phase's table: the idle baseline and the loaded windows side by side. */
final class WatchdogReport {

  private WatchdogReport() {}

  static void header(PrintStream out, ServiceBenchOptions options) {
    out.printf(Locale.ROOT, "Watchdog: WATCHDOG_USEC %d ms (the service pings every %d ms);"
            + " windows of %d s: idle, then POST /v1/jobs closed-loop on %d keep-alive"
            + " connections to the echo agent (the jobs bench's load, at full rate)%s;"
            + " WORKMATE_JOBS_MAX_CONCURRENT %d%n",
        options.watchdog().toMillis(), options.watchdog().toMillis() / 2,
        options.window().toSeconds(), options.connections(),
        options.codexEvery() == 0 ? ""
            : ", then the same with one job in " + options.codexEvery()
                + " a scripted Codex turn ([[reply:...]])",
        options.codexConcurrent());
    out.println("  goal: no gap between two WATCHDOG=1 over WATCHDOG_USEC under load (systemd"
        + " would restart the service)");
  }

  /** Prints the table; whether every loaded window met the goal. */
  static boolean print(PrintStream out, WatchdogRun.Result result, ServiceBenchOptions options) {
    out.printf(Locale.ROOT, "  READY=1 %.2f s after launch%n",
        result.readyAfter().toNanos() / 1e9);
    out.println("                                                        "
        + "  cores used on average");
    out.println("  window  pings  median gap ms  max gap ms  gaps > limit  busy  service"
        + "  codex  bench  jobs/s accepted  jobs/s finished");
    boolean met = true;
    long worstGaps = 0;
    double longest = 0;
    for (WatchdogRun.Window window : result.windows()) {
      PingWindow pings = window.pings();
      out.printf(Locale.ROOT, "  %-6s  %5d  %13.0f  %10.0f  %12d  %s  %15s  %15s%n",
          window.name(), pings.pings(), pings.medianGapMillis(), pings.maxGapMillis(),
          pings.overLimit(), cpu(window.cpu()),
          window.queue().map(q -> String.format(Locale.ROOT, "%,.0f",
              q.load().acceptedPerSecond())).orElse("-"),
          window.queue().map(q -> String.format(Locale.ROOT, "%,.0f",
              q.finishedPerSecond())).orElse("-"));
      if (window.queue().isPresent()) {
        met &= pings.overLimit() == 0;
        worstGaps += pings.overLimit();
        longest = Math.max(longest, pings.maxGapMillis());
      }
    }
    for (WatchdogRun.Window window : result.windows()) {
      window.queue().ifPresent(q -> {
        out.printf(Locale.ROOT, "  %s: %,d jobs accepted in %.1f s (%,d Codex turns), %,d"
                + " errors; by its end %,d finished, %,d queued, %d running%n", window.name(),
            q.load().accepted(), q.load().took().toNanos() / 1e9, q.load().codexAccepted(),
            q.load().errors(), q.finished(), q.queued(), q.running());
        if (q.load().firstError() != null) {
          out.println("    first error: " + q.load().firstError());
        }
      });
    }
    for (WatchdogRun.Window window : result.windows()) {
      List<String> late = window.pings().overLimitWithNext();
      if (!late.isEmpty()) {
        out.println("  " + window.name() + ": gaps over the limit: " + String.join("; ", late));
      }
    }
    out.println("  the service's log on the watchdog: " + (result.warnings().isEmpty()
        ? "nothing (no probe timed out)" : result.warnings().size() + " line(s)"));
    result.warnings().stream().limit(5).forEach(line -> out.println("    " + line));
    out.printf(Locale.ROOT, "  under load: %d gaps over %d ms, longest %.0f ms: %s%n",
        worstGaps, options.watchdog().toMillis(), longest, met ? "PASS" : "FAIL");
    return met;
  }

  private static String cpu(CpuMeter.Reading cpu) {
    return String.format(Locale.ROOT, "%3.0f%%  %7.2f  %5.2f  %5.2f", cpu.busyPercent(),
        cpu.serviceCores(), cpu.codexCores(), cpu.benchCores());
  }
}
