package io.workmate.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Picks the effective mode from the requested one and the health of the two gateway links.
 *
 * <p>The hysteresis rule: leaving a mode whose link went down happens at once (failover), but
 * entering a gateway mode requires its link to have been usable without a break for that link's
 * required stability. A link that drops soon after coming up doubles its required stability
 * (see {@link LinkHealth}), so a flapping link is used less and less rather than thrashed.
 */
public final class ModePolicy {

  private ModePolicy() {}

  /** One gateway link as the policy sees it. */
  public record Link(boolean configured, boolean usable, Optional<Instant> usableSince,
      Duration requiredStability) {

    public static final Link ABSENT =
        new Link(false, false, Optional.empty(), Duration.ZERO);

    boolean stableAt(Instant now) {
      return usable && usableSince.map(since ->
          !since.plus(requiredStability).isAfter(now)).orElse(false);
    }

    /** When the link will count as stable, if it is usable but not yet stable. */
    Optional<Instant> stableFrom() {
      return usable ? usableSince.map(since -> since.plus(requiredStability)) : Optional.empty();
    }
  }

  public record Decision(EffectiveMode mode, Optional<Instant> reconsiderAt) {}

  public static Decision decide(Mode requested, EffectiveMode current, Link local, Link remote,
      Instant now) {
    Optional<Instant> reconsider = Optional.empty();
    for (EffectiveMode candidate : candidates(requested)) {
      if (candidate == EffectiveMode.OFFLINE) {
        return new Decision(EffectiveMode.OFFLINE, reconsider);
      }
      Link link = candidate == EffectiveMode.REMOTE ? remote : local;
      if (!link.configured() || !link.usable()) {
        continue;
      }
      if (candidate == current || link.stableAt(now)) {
        return new Decision(candidate, reconsider);
      }
      // usable but not stable yet: look again when it will be
      if (reconsider.isEmpty()) {
        reconsider = link.stableFrom();
      }
    }
    return new Decision(EffectiveMode.OFFLINE, reconsider);
  }

  /** In order of preference. */
  static List<EffectiveMode> candidates(Mode requested) {
    switch (requested) {
      case LOCAL:
        return List.of(EffectiveMode.LOCAL, EffectiveMode.OFFLINE);
      case REMOTE:
        return List.of(EffectiveMode.REMOTE, EffectiveMode.OFFLINE);
      case OFFLINE:
        return List.of(EffectiveMode.OFFLINE);
      default:
        return List.of(EffectiveMode.REMOTE, EffectiveMode.LOCAL, EffectiveMode.OFFLINE);
    }
  }
}
