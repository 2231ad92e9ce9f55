package io.workmate.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves one second per reading, so every event of a test has its own time. */
final class TickingClock extends Clock {

  private final Instant start;
  private final AtomicLong readings = new AtomicLong();

  TickingClock(Instant start) {
    this.start = start;
  }

  @Override
  public Instant instant() {
    return start.plus(Duration.ofSeconds(readings.getAndIncrement()));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a test clock stays in UTC");
  }
}
