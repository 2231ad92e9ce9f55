package io.workmate.bench.gateway;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** A set of measured durations (nanoseconds) and the figures the table prints, in ms. */
final class Latencies {

  private final long[] inOrder;
  private final long[] sorted;

  private Latencies(long[] nanos) {
    this.inOrder = nanos.clone();
    this.sorted = nanos.clone();
    Arrays.sort(sorted);
  }

  static Latencies of(long[] nanos) {
    return new Latencies(nanos);
  }

  static Latencies concat(Latencies... parts) {
    return new Latencies(Arrays.stream(parts).flatMapToLong(p -> LongStream.of(p.inOrder))
        .toArray());
  }

  int count() {
    return sorted.length;
  }

  boolean isEmpty() {
    return sorted.length == 0;
  }

  /** Nearest-rank percentile, {@code p} in (0, 100]. */
  double percentileMs(double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return ms(sorted[Math.max(0, Math.min(sorted.length, rank) - 1)]);
  }

  double p50Ms() {
    return percentileMs(50);
  }

  double maxMs() {
    return ms(sorted[sorted.length - 1]);
  }

  double meanMs() {
    return ms(LongStream.of(sorted).sum()) / sorted.length;
  }

  /** Every sample in the order measured, e.g. "3.1 2.8 4.0". */
  String samplesMs() {
    return LongStream.of(inOrder).mapToObj(n -> format(ms(n)))
        .collect(Collectors.joining(" "));
  }

  /** Every sample in the order measured, in seconds, e.g. "0.8 11.5". */
  String samplesSeconds() {
    return LongStream.of(inOrder).mapToObj(n -> String.format(Locale.ROOT, "%.1f", n / 1e9))
        .collect(Collectors.joining(" "));
  }

  private static String format(double ms) {
    return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms)
        : String.format(Locale.ROOT, "%.1f", ms);
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }
}
