package io.workmate.nativeos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits for a condition that has no event to wait on: the state of a process that is not our
 * child (a grandchild, an orphan) is only visible in /proc. Where a {@link Process} exists, tests
 * wait on it instead.
 */
final class Await {

  private static final Duration CHECK_INTERVAL = Duration.ofMillis(20);

  private Await() {}

  /** Polls {@code condition}; fails with {@code whatFailed}, read at the timeout. */
  static void until(Duration timeout, BooleanSupplier condition, Supplier<String> whatFailed) {
    try {
      await().pollDelay(Duration.ZERO).pollInterval(CHECK_INTERVAL).atMost(timeout)
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      fail("not within " + timeout.toMillis() + " ms: " + whatFailed.get());
    }
  }

  /** Gone, or a zombie: either way it runs no more. */
  static boolean isDead(long pid) {
    return ProcStat.read(pid).map(ProcStat::isZombie).orElse(true);
  }
}
