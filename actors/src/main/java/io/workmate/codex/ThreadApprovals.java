package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.Approvals;
import io.workmate.protocol.codex.CodexRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The approvals codex asks of a thread's running turn. Each is described
 * ({@link PendingApproval}) and published, then answered by policy at once, or held for a
 * reviewer until its deadline. Whatever is still held when the turn ends is cancelled: codex
 * would wait for those answers. Only ever touched by the thread's actor.
 */
final class ThreadApprovals {

  /** An approval codex is waiting on, with the JSON-RPC id to answer it under. */
  private record Held(PendingApproval approval, JsonNode requestId, boolean legacy) {}

  private final ApprovalHandling handling;
  private final ThreadCalls calls;
  private final ThreadSubscribers subscribers;
  private final TimerScheduler<CodexThread.Command> timers;
  private final Clock clock;
  private final Map<String, Held> held = new LinkedHashMap<>();

  ThreadApprovals(ApprovalHandling handling, ThreadCalls calls, ThreadSubscribers subscribers,
      TimerScheduler<CodexThread.Command> timers, Clock clock) {
    this.handling = handling;
    this.calls = calls;
    this.subscribers = subscribers;
    this.timers = timers;
    this.clock = clock;
  }

  /** A request of the running turn {@code turnId}: answered by policy, or held. */
  void requested(CodexRequest request, String threadId, String turnId) {
    PendingApproval approval = describe(request, threadId, turnId, clock.instant());
    Held entry = new Held(approval, request.id(), request.body().legacy());
    subscribers.publish(new ThreadEvent.ApprovalRequested(threadId, approval));
    switch (handling.mode()) {
      case ACCEPT:
        resolve(entry, ApprovalDecision.ACCEPT, ThreadEvent.DecidedBy.POLICY);
        break;
      case DECLINE:
        resolve(entry, ApprovalDecision.DECLINE, ThreadEvent.DecidedBy.POLICY);
        break;
      default:
        held.put(approval.id(), entry);
        timers.startSingleTimer(new CodexThread.ApprovalExpired(approval.id()),
            handling.timeout());
    }
  }

  /** A request no running turn of ours can take: nothing to approve. */
  void cancelUnowned(CodexRequest request) {
    calls.answerApproval(request.id(), request.body().legacy(), ApprovalDecision.CANCEL);
  }

  /** A reviewer's answer; false when no such approval is held. */
  boolean decide(String approvalId, ApprovalDecision decision) {
    Held entry = held.remove(approvalId);
    if (entry == null) {
      return false;
    }
    timers.cancel(new CodexThread.ApprovalExpired(approvalId));
    resolve(entry, decision, ThreadEvent.DecidedBy.REVIEWER);
    return true;
  }

  /** The deadline passed: the configured decision; false when it was answered already. */
  boolean expire(String approvalId) {
    Held entry = held.remove(approvalId);
    if (entry == null) {
      return false;
    }
    resolve(entry, handling.onTimeout(), ThreadEvent.DecidedBy.TIMEOUT);
    return true;
  }

  /** The turn ended: codex keeps waiting for answers to its requests; cancel them. */
  void turnEnded() {
    for (Held entry : held.values()) {
      timers.cancel(new CodexThread.ApprovalExpired(entry.approval().id()));
      calls.answerApproval(entry.requestId(), entry.legacy(), ApprovalDecision.CANCEL);
      subscribers.publish(new ThreadEvent.ApprovalResolved(entry.approval().threadId(),
          entry.approval().id(), ApprovalDecision.CANCEL.wire(),
          ThreadEvent.DecidedBy.TURN_ENDED));
    }
    held.clear();
  }

  /** Waiting for a reviewer is not a stall of the turn. */
  boolean awaitingReviewer() {
    return !held.isEmpty() && handling.mode() == ApprovalHandling.Mode.ASK;
  }

  List<PendingApproval> pending() {
    return held.values().stream().map(Held::approval).toList();
  }

  private void resolve(Held entry, ApprovalDecision decision, ThreadEvent.DecidedBy by) {
    calls.answerApproval(entry.requestId(), entry.legacy(), decision);
    subscribers.publish(new ThreadEvent.ApprovalResolved(entry.approval().threadId(),
        entry.approval().id(), decision.wire(), by));
  }

  /** What a reviewer sees: the command line, or which files would change. */
  private PendingApproval describe(CodexRequest request, String threadId, String turnId,
      Instant now) {
    Approvals.Request body = request.body();
    String kind = "command";
    String summary;
    String requestTurnId = turnId;
    String cwd = null;
    String reason;
    if (body instanceof Approvals.CommandParams command) {
      summary = Objects.requireNonNullElse(command.command(), "");
      requestTurnId = Objects.requireNonNullElse(command.turnId(), turnId);
      cwd = command.cwd();
      reason = command.reason();
    } else if (body instanceof Approvals.LegacyExecParams command) {
      summary = command.command() == null ? "" : String.join(" ", command.command());
      cwd = command.cwd();
      reason = command.reason();
    } else if (body instanceof Approvals.FileChangeParams change) {
      kind = "fileChange";
      summary = "apply the file changes of item "
          + Objects.requireNonNullElse(change.itemId(), "?");
      requestTurnId = Objects.requireNonNullElse(change.turnId(), turnId);
      reason = change.reason();
    } else if (body instanceof Approvals.LegacyPatchParams patch) {
      kind = "fileChange";
      int files = patch.fileChanges() == null ? 0 : patch.fileChanges().size();
      summary = "apply changes to " + files + " file(s)";
      reason = patch.reason();
    } else {
      throw new IllegalArgumentException("not an approval request: " + request.method());
    }
    return new PendingApproval("ap-" + UUID.randomUUID(), threadId, requestTurnId, kind,
        request.method(), summary, cwd, reason, now, now.plus(handling.timeout()));
  }
}
