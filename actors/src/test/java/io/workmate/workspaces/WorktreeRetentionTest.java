package io.workmate.workspaces;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.workspaces.WorktreeRetention.Owner;
import io.workmate.workspaces.WorktreeRetention.State;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WorktreeRetentionTest {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);

  @Test
  void unknownAndSucceededGoAtOnceActiveStaysEndedGoesAfterKeepFor() {
    assertTrue(WorktreeRetention.remove(Owner.unknown(), NOW, DAY));
    assertTrue(WorktreeRetention.remove(new Owner(State.SUCCEEDED, NOW, null), NOW, DAY));
    assertFalse(WorktreeRetention.remove(new Owner(State.ACTIVE, null, null), NOW, DAY));
    assertFalse(WorktreeRetention.remove(new Owner(State.ENDED, NOW.minusSeconds(60), null), NOW,
        DAY));
    assertTrue(WorktreeRetention.remove(new Owner(State.ENDED, NOW.minus(DAY), null), NOW, DAY));
  }
}
