package io.workmate.server.service;

import io.workmate.jobs.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Finished jobs per minute over the last hour: a ring of one-minute buckets, each counting the
 * jobs that succeeded, went dead (used up their attempts) or were cancelled in that minute. Pure
 * and not thread-safe: {@link JobRates} owns it.
 */
public final class JobRateWindow {

  public static final Duration BUCKET = Duration.ofMinutes(1);
  public static final int BUCKETS = 60;

  /** One minute of the window: {@code start} is its first instant. */
  public record Bucket(Instant start, long succeeded, long dead, long cancelled) {}

  private final long[] minuteOf = new long[BUCKETS];
  private final long[] succeeded = new long[BUCKETS];
  private final long[] dead = new long[BUCKETS];
  private final long[] cancelled = new long[BUCKETS];

  public JobRateWindow() {
    java.util.Arrays.fill(minuteOf, -1);
  }

  /** Counts a job that reached {@code status} at {@code at}; other statuses are not counted. */
  public void finished(JobStatus status, Instant at) {
    long minute = minute(at);
    int slot = (int) Math.floorMod(minute, BUCKETS);
    if (minuteOf[slot] != minute) {
      minuteOf[slot] = minute;
      succeeded[slot] = 0;
      dead[slot] = 0;
      cancelled[slot] = 0;
    }
    switch (status) {
      case SUCCEEDED -> succeeded[slot]++;
      case DEAD -> dead[slot]++;
      case CANCELLED -> cancelled[slot]++;
      default -> { }
    }
  }

  /** The {@link #BUCKETS} minutes up to the one holding {@code now}, oldest first. */
  public List<Bucket> buckets(Instant now) {
    long last = minute(now);
    List<Bucket> buckets = new ArrayList<>(BUCKETS);
    for (long minute = last - BUCKETS + 1; minute <= last; minute++) {
      int slot = (int) Math.floorMod(minute, BUCKETS);
      Instant start = Instant.ofEpochSecond(minute * BUCKET.toSeconds());
      buckets.add(minuteOf[slot] == minute
          ? new Bucket(start, succeeded[slot], dead[slot], cancelled[slot])
          : new Bucket(start, 0, 0, 0));
    }
    return buckets;
  }

  private static long minute(Instant at) {
    return Math.floorDiv(at.getEpochSecond(), BUCKET.toSeconds());
  }
}
