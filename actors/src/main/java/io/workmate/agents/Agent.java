package io.workmate.agents;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.codex.PendingApproval;
import io.workmate.protocol.codex.ApprovalDecision;
import java.time.Duration;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The protocol every agent actor speaks, whatever its backend ({@link AgentKind}): the job
 * dispatcher invokes an agent with {@link Invoke} and gets the invocation's progress back as
 * {@link Update}s, ending with exactly one {@link Update.Finished}. An agent runs several
 * invocations at once; the dispatcher keeps within the agent's {@code maxConcurrent}.
 */
public final class Agent {

  private Agent() {}

  /**
   * Not sealed: each agent actor adds its own private messages (answers it pipes to itself) to
   * the protocol below, which is all its callers use.
   */
  public interface Command {}

  /**
   * One unit of work.
   *
   * @param id unique per invocation ({@code <jobId>#<attempt>}); every update carries it
   * @param prompt the text for the agent
   * @param cwd working directory, or null for the agent's default
   * @param approvalPolicy codex approval policy for this turn, or null for the agent's default
   * @param timeout how long the backend may take; the dispatcher interrupts after it anyway
   * @param resumeThreadId a Codex thread to continue (a follow-up), or null for a fresh one;
   *     backends without threads ignore it
   */
  public record Invocation(String id, String prompt, String cwd, String approvalPolicy,
      Duration timeout, String resumeThreadId) {
    public Invocation {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(prompt, "prompt");
      Objects.requireNonNull(timeout, "timeout");
    }

    /** On a fresh thread. */
    public Invocation(String id, String prompt, String cwd, String approvalPolicy,
        Duration timeout) {
      this(id, prompt, cwd, approvalPolicy, timeout, null);
    }
  }

  public record Invoke(Invocation invocation, ActorRef<Update> replyTo) implements Command {}

  /** Stops the invocation; it still ends with {@link Update.Finished} ({@code INTERRUPTED}). */
  public record Interrupt(String invocationId) implements Command {}

  /** Answers an approval the invocation raised with {@link Update.ApprovalRequested}. */
  public record Decide(String invocationId, String approvalId, ApprovalDecision decision,
      ActorRef<Decided> replyTo) implements Command {}

  /** The answer to {@link Decide}. */
  public record Decided(boolean ok, String message) {}

  /** Progress of one invocation. */
  public sealed interface Update {
    String invocationId();

    /** The backend took it; {@code threadId} is the Codex thread (or gateway run) id, if any. */
    record Started(String invocationId, String threadId) implements Update {}

    /**
     * An item of the agent's work: {@code type} is {@code item_started},
     * {@code item_completed}, {@code agent_message_delta}, {@code command_output_delta} or
     * {@code turn_diff_updated}; {@code data} is the item (for a delta:
     * {@code {"itemId", "delta"}}; for a turn's diff codex's {@code {"threadId", "turnId",
     * "diff"}}).
     */
    record Item(String invocationId, String type, JsonNode data) implements Update {}

    /** The backend waits for a reviewer. */
    record ApprovalRequested(String invocationId, PendingApproval approval) implements Update {}

    /** The approval was answered (by a reviewer, by policy or by its deadline). */
    record ApprovalResolved(String invocationId, String approvalId, String decision)
        implements Update {}

    /**
     * The end: {@code text} when it succeeded ({@code text} may also hold what a failed run
     * said before it failed), {@code error} otherwise; {@code end} is the backend's own account.
     */
    record Finished(String invocationId, Outcome outcome, String text, String error, RunEnd end)
        implements Update {

      public Finished {
        Objects.requireNonNull(end, "end");
      }

      /** A run that ended on its backend: the backend's own error is {@code error}. */
      public Finished(String invocationId, Outcome outcome, String text, String error) {
        this(invocationId, outcome, text, error, RunEnd.ran(error));
      }
    }
  }

  /**
   * How an invocation's run ended on its backend, beyond the outcome: for a caller that has
   * somewhere else to run the prompt (a message falls back to local Codex when the gateway
   * refused or lost its run). Jobs read only the outcome.
   *
   * @param detail for {@code RAN}: the backend's own error, unprefixed, or null; for
   *     {@code REATTACHED}: the run id; for {@code REFUSED}: the backend's reason; for
   *     {@code LOST}: what happened to the run
   */
  public record RunEnd(Kind kind, String detail) {

    public enum Kind {
      /** The backend ran it to an end (whatever the outcome). */
      RAN,
      /** Its link dropped mid-run; the run was found again once the link returned. */
      REATTACHED,
      /** The backend never took the run. */
      REFUSED,
      /** The link dropped mid-run and the run could not be found again. */
      LOST
    }

    public RunEnd {
      Objects.requireNonNull(kind, "kind");
    }

    public static RunEnd ran(String backendError) {
      return new RunEnd(Kind.RAN, backendError);
    }

    /** Whether the prompt may be run elsewhere: the backend never ran it to an end. */
    public boolean unfinished() {
      return kind == Kind.REFUSED || kind == Kind.LOST;
    }
  }

  public enum Outcome {
    SUCCEEDED,
    FAILED,
    INTERRUPTED
  }
}
