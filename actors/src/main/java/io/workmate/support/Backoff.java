package io.workmate.support;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, so restarts neither hammer nor synchronise. */
public record Backoff(Duration min, Duration max, double factor, double jitter) {

  public Backoff {
    if (min.isNegative() || min.isZero()) {
      throw new IllegalArgumentException("backoff min must be positive, got " + min);
    }
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff max " + max + " is below min " + min);
    }
    if (factor < 1.0) {
      throw new IllegalArgumentException("backoff factor must be >= 1, got " + factor);
    }
    if (jitter < 0.0 || jitter > 1.0) {
      throw new IllegalArgumentException("backoff jitter must be within 0..1, got " + jitter);
    }
  }

  public static Backoff defaults() {
    return new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0, 0.2);
  }

  /** The delay before attempt {@code attempt} (0-based), jittered by up to ±jitter. */
  public Duration delay(int attempt) {
    double base = min.toMillis() * Math.pow(factor, Math.min(attempt, 40));
    double capped = Math.min(base, max.toMillis());
    double spread = capped * jitter;
    double jittered = capped + ThreadLocalRandom.current().nextDouble(-spread, spread + 1e-9);
    return Duration.ofMillis(Math.max(1, Math.round(Math.min(jittered, max.toMillis()))));
  }
}
