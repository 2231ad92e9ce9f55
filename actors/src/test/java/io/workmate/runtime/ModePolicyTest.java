package io.workmate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModePolicyTest {

  private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
  private static final Duration STABLE = Duration.ofSeconds(3);

  private static ModePolicy.Link up(Instant since) {
    return new ModePolicy.Link(true, true, Optional.of(since), STABLE);
  }

  private static final ModePolicy.Link DOWN =
      new ModePolicy.Link(true, false, Optional.empty(), STABLE);

  private static EffectiveMode decide(Mode requested, EffectiveMode current, ModePolicy.Link local,
      ModePolicy.Link remote, Instant now) {
    return ModePolicy.decide(requested, current, local, remote, now).mode();
  }

  @Test
  void autoPrefersRemoteThenLocalThenOffline() {
    Instant later = T0.plusSeconds(10);
    assertEquals(EffectiveMode.REMOTE,
        decide(Mode.AUTO, EffectiveMode.OFFLINE, up(T0), up(T0), later));
    assertEquals(EffectiveMode.LOCAL,
        decide(Mode.AUTO, EffectiveMode.OFFLINE, up(T0), DOWN, later));
    assertEquals(EffectiveMode.OFFLINE,
        decide(Mode.AUTO, EffectiveMode.REMOTE, DOWN, DOWN, later));
    assertEquals(EffectiveMode.LOCAL,
        decide(Mode.AUTO, EffectiveMode.OFFLINE, up(T0), ModePolicy.Link.ABSENT, later));
  }

  @Test
  void explicitModesNeverPickAnotherGateway() {
    Instant later = T0.plusSeconds(10);
    assertEquals(EffectiveMode.OFFLINE,
        decide(Mode.REMOTE, EffectiveMode.OFFLINE, up(T0), DOWN, later));
    assertEquals(EffectiveMode.LOCAL,
        decide(Mode.LOCAL, EffectiveMode.REMOTE, up(T0), up(T0), later));
    assertEquals(EffectiveMode.OFFLINE,
        decide(Mode.OFFLINE, EffectiveMode.REMOTE, up(T0), up(T0), later));
  }

  @Test
  void failoverIsImmediateButReturnWaitsForStability() {
    // remote just went down: leave at once
    assertEquals(EffectiveMode.LOCAL,
        decide(Mode.AUTO, EffectiveMode.REMOTE, up(T0), DOWN, T0.plusSeconds(100)));
    // remote is back but only for 1 s: stay on local, and say when to look again
    Instant back = T0.plusSeconds(200);
    ModePolicy.Decision early = ModePolicy.decide(Mode.AUTO, EffectiveMode.LOCAL, up(T0),
        up(back), back.plusSeconds(1));
    assertEquals(EffectiveMode.LOCAL, early.mode());
    assertEquals(Optional.of(back.plus(STABLE)), early.reconsiderAt());
    // once stable, return
    assertEquals(EffectiveMode.REMOTE,
        decide(Mode.AUTO, EffectiveMode.LOCAL, up(T0), up(back), back.plus(STABLE)));
  }

  @Test
  void theCurrentModeIsKeptWhileItsLinkIsUsable() {
    Instant justUp = T0.plusSeconds(50);
    assertEquals(EffectiveMode.REMOTE,
        decide(Mode.AUTO, EffectiveMode.REMOTE, DOWN, up(justUp), justUp.plusMillis(1)));
  }

  @Test
  void aFlappingLinkMustStayUpLongerEachTime() {
    Duration base = Duration.ofSeconds(2);
    LinkHealth health = new LinkHealth(status(LinkState.DOWN, T0), base, Duration.ofSeconds(60),
        Duration.ofSeconds(30));
    Instant now = T0;
    Duration previous = health.requiredStability();
    for (int flap = 0; flap < 5; flap++) {
      now = now.plusSeconds(1);
      health.update(status(LinkState.CONNECTED, now), now);
      now = now.plusSeconds(1);
      health.update(status(LinkState.DOWN, now), now);
      assertTrue(health.requiredStability().compareTo(previous) > 0,
          "flap " + flap + " raised the bar: " + health.requiredStability());
      previous = health.requiredStability();
    }
    assertEquals(Duration.ofSeconds(60), health.requiredStability(), "capped");
    assertEquals(5, health.flaps());

    now = now.plusSeconds(1);
    health.update(status(LinkState.CONNECTED, now), now);
    health.settle(now.plusSeconds(31));
    assertEquals(base, health.requiredStability(), "a steady link earns the base back");
  }

  private static GatewayStatus status(LinkState state, Instant at) {
    return new GatewayStatus("remote", URI.create("ws://127.0.0.1:1"), state, "", at);
  }
}
