package io.workmate.codex;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Gives up on a turn codex has gone silent on (the model provider's stream may be stalled). The
 * thread asks on a timer, every quarter of the limit (at most a second); time spent waiting for a
 * reviewer does not count.
 */
final class TurnWatchdog {

  private final Duration limit;
  private final Clock clock;

  TurnWatchdog(Duration limit, Clock clock) {
    this.limit = limit;
    this.clock = clock;
  }

  Duration period() {
    Duration quarter = limit.dividedBy(4);
    return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? quarter : Duration.ofSeconds(1);
  }

  /** Why the turn has stalled; empty while it has not. */
  Optional<String> stalled(RunningTurn turn, boolean awaitingReviewer) {
    Instant now = clock.instant();
    if (awaitingReviewer) {
      turn.touch(now); // waiting for a reviewer is not a stall
      return Optional.empty();
    }
    Duration silent = turn.silentFor(now);
    if (silent.compareTo(limit) < 0) {
      return Optional.empty();
    }
    return Optional.of("turn watchdog: no event from codex for " + silent.toSeconds()
        + " s (limit " + limit.toSeconds() + " s); the model provider's stream may be stalled."
        + " The turn was interrupted.");
  }
}
