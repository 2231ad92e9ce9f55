package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * The dispatcher's view of one agent: how many attempts run on it and when the recent ones
 * started, to keep within its {@code maxConcurrent} and {@code rateLimitPerMinute} (a sliding
 * 60 s window). Not thread-safe: the dispatcher's.
 */
final class AgentSlot {

  static final Duration RATE_WINDOW = Duration.ofMinutes(1);

  private AgentHandle handle;
  private int running;
  private final ArrayDeque<Instant> recentStarts = new ArrayDeque<>();

  AgentSlot(AgentHandle handle) {
    this.handle = handle;
  }

  AgentHandle handle() {
    return handle;
  }

  String id() {
    return handle.id();
  }

  /** A re-registration may change the limits; attempts in progress stay counted. */
  void replace(AgentHandle newHandle) {
    this.handle = newHandle;
  }

  int running() {
    return running;
  }

  boolean offersAll(Collection<String> capabilities) {
    return handle.profile().offersAll(capabilities);
  }

  boolean hasCapacity() {
    return running < handle.profile().maxConcurrent();
  }

  /** Whether another attempt may start at {@code now} without breaking the rate limit. */
  boolean withinRate(Instant now) {
    int limit = handle.profile().rateLimitPerMinute();
    if (limit == 0) {
      return true;
    }
    forgetBefore(now.minus(RATE_WINDOW));
    return recentStarts.size() < limit;
  }

  /** When the rate limit lets the next attempt start (now when it already does). */
  Instant nextStartAllowed(Instant now) {
    if (withinRate(now)) {
      return now;
    }
    return recentStarts.peekFirst().plus(RATE_WINDOW);
  }

  void started(Instant now) {
    running++;
    if (handle.profile().rateLimitPerMinute() > 0) {
      recentStarts.addLast(now);
    }
  }

  void ended() {
    running = Math.max(0, running - 1);
  }

  private void forgetBefore(Instant cutoff) {
    while (!recentStarts.isEmpty() && !recentStarts.peekFirst().isAfter(cutoff)) {
      recentStarts.pollFirst();
    }
  }
}
