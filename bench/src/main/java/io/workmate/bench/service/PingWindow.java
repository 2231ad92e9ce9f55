package io.workmate.bench.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code WATCHDOG=1} pings of one window of time and the gaps between them. The gap that
 * spans the window's start (from the last ping before it) and the time from the last ping to
 * the window's end count too: systemd's timer does not know where a window begins or ends.
 *
 * @param pings pings that arrived inside the window
 * @param gapsMillis the gaps between two pings, the one spanning the window's start included
 * @param trailingMillis from the last ping to the window's end (no ping closes it yet)
 * @param limit WATCHDOG_USEC: a gap over it is a restart by systemd
 */
record PingWindow(int pings, List<Double> gapsMillis, double trailingMillis, Duration limit) {

  static PingWindow of(List<Long> arrivals, long startNanos, long endNanos, Duration limit) {
    long previous = startNanos;
    boolean anchored = false;
    for (long at : arrivals) {
      if (at <= startNanos) {
        previous = at;
        anchored = true;
      }
    }
    List<Double> gaps = new ArrayList<>();
    int pings = 0;
    for (long at : arrivals) {
      if (at > startNanos && at <= endNanos) {
        // without a ping before the window, its start is no ping: nothing to measure from
        if (anchored || pings > 0) {
          gaps.add((at - previous) / 1e6);
        }
        previous = at;
        pings++;
      }
    }
    return new PingWindow(pings, gaps, (endNanos - previous) / 1e6, limit);
  }

  double medianGapMillis() {
    double[] sorted = gapsMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n == 0 ? Double.NaN
        : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The longest time without a ping, the open one at the window's end included. */
  double maxGapMillis() {
    return Math.max(trailingMillis,
        gapsMillis.stream().mapToDouble(Double::doubleValue).max().orElse(0));
  }

  /**
   * Each gap over the limit with the gap after it, as "3751 ms, then 1020 ms". A late ping
   * followed by the next one a beat later was sent late; one followed at once by the next was
   * held up on the receiving side (the bench) and the service was not late.
   */
  List<String> overLimitWithNext() {
    List<String> late = new ArrayList<>();
    for (int i = 0; i < gapsMillis.size(); i++) {
      if (gapsMillis.get(i) > limit.toMillis()) {
        late.add(String.format(Locale.ROOT, "%.0f ms, then %s", gapsMillis.get(i),
            i + 1 < gapsMillis.size() ? String.format(Locale.ROOT, "%.0f ms",
                gapsMillis.get(i + 1)) : String.format(Locale.ROOT,
                "%.0f ms to the window's end", trailingMillis)));
      }
    }
    if (trailingMillis > limit.toMillis()) {
      late.add(String.format(Locale.ROOT, "%.0f ms open at the window's end",
          trailingMillis));
    }
    return late;
  }

  /** Gaps after which systemd would have restarted the service. */
  long overLimit() {
    return gapsMillis.stream().filter(gap -> gap > limit.toMillis()).count()
        + (trailingMillis > limit.toMillis() ? 1 : 0);
  }
}
