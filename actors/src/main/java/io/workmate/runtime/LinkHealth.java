package io.workmate.runtime;

import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The supervisor's memory of one link: since when it is usable and how long it must stay so
 * before the runtime moves onto it. Each drop within {@code flapWindow} of coming up doubles the
 * required stability (up to {@code maxStability}); a link that stays up for a whole flap window
 * earns the base back.
 */
public final class LinkHealth {

  private final Duration baseStability;
  private final Duration maxStability;
  private final Duration flapWindow;

  private GatewayStatus status;
  private Instant usableSince;
  private Duration requiredStability;
  private int flaps;

  public LinkHealth(GatewayStatus initial, Duration baseStability, Duration maxStability,
      Duration flapWindow) {
    this.status = initial;
    this.baseStability = baseStability;
    this.maxStability = maxStability;
    this.flapWindow = flapWindow;
    this.requiredStability = baseStability;
    if (initial.state().usable()) {
      usableSince = initial.since();
    }
  }

  public void update(GatewayStatus next, Instant now) {
    boolean wasUsable = status.state().usable();
    boolean isUsable = next.state().usable();
    if (!wasUsable && isUsable) {
      usableSince = now;
    } else if (wasUsable && !isUsable) {
      boolean flapped = usableSince != null && usableSince.plus(flapWindow).isAfter(now);
      if (flapped) {
        flaps++;
        requiredStability = min(requiredStability.multipliedBy(2), maxStability);
      }
      usableSince = null;
    }
    status = next;
  }

  /** Forgives old flaps once the link has been up for a whole window. */
  public void settle(Instant now) {
    if (usableSince != null && !usableSince.plus(flapWindow).isAfter(now)) {
      requiredStability = baseStability;
    }
  }

  public ModePolicy.Link asLink() {
    return new ModePolicy.Link(true, status.state().usable(), Optional.ofNullable(usableSince),
        requiredStability);
  }

  public GatewayStatus status() {
    return status;
  }

  public int flaps() {
    return flaps;
  }

  public Duration requiredStability() {
    return requiredStability;
  }

  public boolean is(LinkState state) {
    return status.state() == state;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
