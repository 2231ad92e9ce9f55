package io.workmate.nativeos;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that has no event to wait on: the state of a process that is not our
 * child (a grandchild, an orphan) is only visible in /proc. Where a {@link Process} exists, tests
 * wait on it instead. Awaitility is not on this module's classpath.
 */
final class Await {

  private static final long CHECK_INTERVAL_MILLIS = 20;

  private Await() {}

  static void until(Duration timeout, BooleanSupplier condition, Supplier<String> whatFailed)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + timeout.toMillis() + " ms: " + whatFailed.get());
      }
      Thread.sleep(CHECK_INTERVAL_MILLIS);
    }
  }

  /** Gone, or a zombie: either way it runs no more. */
  static boolean isDead(long pid) {
    return ProcStat.read(pid).map(ProcStat::isZombie).orElse(true);
  }
}
