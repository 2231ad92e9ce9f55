package io.workmate.bench.codex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Waits for the machine to go quiet before a measured run. On a shared 2-core box another
 * build running during one variant but not the next would decide the ratios; /proc/stat shows
 * whether anything else is using the CPUs.
 */
final class IdleWait {

  /** Busy share of all CPUs below which the machine counts as quiet. */
  private static final double QUIET_BELOW = 0.10;
  private static final Duration PROBE = Duration.ofSeconds(1);

  private IdleWait() {}

  /**
   * Returns once one probe second was quiet, or after {@code maxWait}.
   *
   * @return the busy share of the last probe (0..1); above {@link #QUIET_BELOW} means it gave up
   */
  static double await(Duration maxWait) throws InterruptedException {
    long deadline = System.nanoTime() + maxWait.toNanos();
    double busy;
    do {
      long[] before = cpuTicks();
      Thread.sleep(PROBE.toMillis());
      long[] after = cpuTicks();
      long total = after[0] - before[0];
      busy = total <= 0 ? 0 : 1.0 - (double) (after[1] - before[1]) / total;
    } while (busy >= QUIET_BELOW && System.nanoTime() < deadline);
    return busy;
  }

  static boolean isQuiet(double busy) {
    return busy < QUIET_BELOW;
  }

  /** {total, idle + iowait} jiffies over all CPUs, from the first line of /proc/stat. */
  private static long[] cpuTicks() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < fields.length; i++) {
        total += Long.parseLong(fields[i]);
      }
      return new long[] {total, Long.parseLong(fields[4]) + Long.parseLong(fields[5])};
    } catch (IOException | RuntimeException unreadable) {
      return new long[] {0, 0};
    }
  }
}
