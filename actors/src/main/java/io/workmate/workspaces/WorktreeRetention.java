package io.workmate.workspaces;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a job's worktree found on disk goes (pure): a succeeded job's goes once committed (a
 * leftover of a crash goes at the next sweep), a failed, dead or cancelled job's after
 * {@code keepFor} for inspection, one whose job no longer exists at once, and one of a job that
 * is queued, running or waiting for a retry stays (its next attempt resets it).
 */
public final class WorktreeRetention {

  private WorktreeRetention() {}

  /** Where the job owning a worktree stands. */
  public enum State {
    /** No such job. */
    UNKNOWN,
    /** Queued, running, waiting for an approval or for its next attempt. */
    ACTIVE,
    SUCCEEDED,
    /** Dead or cancelled: finished without success. */
    ENDED
  }

  /**
   * The job owning a worktree, as the job queue has it.
   *
   * @param endedAt when it ended ({@code ENDED}), else null
   * @param repo its repository, or null when unknown
   */
  public record Owner(State state, Instant endedAt, String repo) {
    public static Owner unknown() {
      return new Owner(State.UNKNOWN, null, null);
    }
  }

  public static boolean remove(Owner owner, Instant now, Duration keepFor) {
    return switch (owner.state()) {
      case UNKNOWN, SUCCEEDED -> true;
      case ACTIVE -> false;
      case ENDED -> owner.endedAt() == null || !owner.endedAt().plus(keepFor).isAfter(now);
    };
  }
}
