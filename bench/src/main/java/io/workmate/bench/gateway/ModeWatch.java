package io.workmate.bench.gateway;

import io.workmate.runtime.EffectiveMode;
import io.workmate.runtime.RuntimeSupervisor.ModeChanged;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A {@link ModeChanged} subscriber that stamps each event with {@link System#nanoTime()} the
 * moment the actor processes it, and hands it to the bench's main thread. The event's own
 * {@code at} is wall-clock time taken inside the supervisor, so it can neither be compared with
 * a monotonic start mark nor include the delivery to a subscriber.
 */
final class ModeWatch {

  /** A mode change and when the subscriber saw it. */
  record Arrival(long nanos, ModeChanged change) {}

  private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

  Behavior<ModeChanged> subscriber() {
    return Behaviors.receiveMessage(change -> {
      arrivals.add(new Arrival(System.nanoTime(), change));
      return Behaviors.same();
    });
  }

  /** Forgets changes seen so far (a round starts from a known mode). */
  void clear() {
    arrivals.clear();
  }

  /**
   * The next change to {@code mode}, skipping others; empty when none arrives in time. Skipped
   * changes are added to {@code skipped} so a failure can say what happened instead.
   */
  Optional<Arrival> await(EffectiveMode mode, Duration timeout, List<String> skipped) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        Arrival next = left <= 0 ? null : arrivals.poll(left, TimeUnit.NANOSECONDS);
        if (next == null) {
          return Optional.empty();
        }
        if (next.change().to() == mode) {
          return Optional.of(next);
        }
        skipped.add(next.change().from().wire() + "->" + next.change().to().wire());
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  Optional<Arrival> await(EffectiveMode mode, Duration timeout) {
    return await(mode, timeout, new ArrayList<>());
  }
}
