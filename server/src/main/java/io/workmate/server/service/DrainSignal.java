package io.workmate.server.service;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the service is in its stop, for those who are not actors: the HTTP routes (refuse work,
 * end event streams, answer unfinished messages) and the main thread (exit once drained).
 * {@link ServiceDrain} moves it on; it only goes forward: serving → draining → drained.
 */
public final class DrainSignal {

  /** How a drain ended: how many running attempts were requeued without spending one. */
  public record Drained(int released) {}

  private final AtomicReference<Instant> drainingSince = new AtomicReference<>();
  private final CompletableFuture<Drained> drained = new CompletableFuture<>();
  /** Event streams still open; the port closes only once they sent their last event. */
  private int openStreams;

  /** True from the stop request on: the service admits nothing new. */
  public boolean draining() {
    return drainingSince.get() != null;
  }

  public Optional<Instant> drainingSince() {
    return Optional.ofNullable(drainingSince.get());
  }

  /** Completes once no attempt runs any more; the service then closes its streams and exits. */
  public CompletionStage<Drained> drained() {
    return drained;
  }

  /** An event stream started; pair with {@link #streamEnded()}. */
  public synchronized void streamStarted() {
    openStreams++;
  }

  public synchronized void streamEnded() {
    openStreams--;
    if (openStreams == 0) {
      notifyAll();
    }
  }

  /**
   * Waits until every event stream has ended (each ends with {@code stopping} once drained), at
   * most {@code limit}; returns whether they all did. Closing the port cuts a stream mid-way.
   */
  public synchronized boolean awaitStreamsEnded(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (openStreams > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  boolean beginDrain(Instant now) {
    return drainingSince.compareAndSet(null, now);
  }

  void markDrained(Drained result) {
    drained.complete(result);
  }
}
