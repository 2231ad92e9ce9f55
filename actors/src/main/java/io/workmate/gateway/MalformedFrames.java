package io.workmate.gateway;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * Counts malformed frames in a sliding window. One bad frame says little about the next (frames
 * are self-delimiting), so it is skipped; several in a short time mean the peer is broken.
 */
final class MalformedFrames {

  static final int LIMIT = 3;
  static final Duration WINDOW = Duration.ofSeconds(60);

  private final Clock clock;
  private final ArrayDeque<Instant> seen = new ArrayDeque<>();

  MalformedFrames(Clock clock) {
    this.clock = clock;
  }

  /** Counts one; true when it makes {@link #LIMIT} within {@link #WINDOW} (and starts over). */
  boolean tooMany() {
    Instant now = clock.instant();
    seen.addLast(now);
    while (!seen.isEmpty() && Duration.between(seen.peekFirst(), now).compareTo(WINDOW) > 0) {
      seen.removeFirst();
    }
    if (seen.size() >= LIMIT) {
      seen.clear();
      return true;
    }
    return false;
  }
}
