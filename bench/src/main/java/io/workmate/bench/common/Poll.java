package io.workmate.bench.common;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling with a deadline: the bench watches other processes, it cannot be told. */
public final class Poll {

  private Poll() {}

  /**
   * Asks {@code probe} every {@code every} until it answers something or {@code limit} has
   * passed; the answer, or empty at the deadline.
   */
  public static <T> Optional<T> until(Duration limit, Duration every, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      Optional<T> answer = probe.get();
      if (answer.isPresent() || System.nanoTime() > deadline) {
        return answer;
      }
      pause(every.toMillis());
    }
  }

  /** Sleeps between two polls; an interrupt ends the bench's wait, not the bench. */
  public static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
