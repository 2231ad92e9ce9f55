package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;

/** What a {@link CodexThread} streams to its subscribers. Every event names its thread. */
public sealed interface ThreadEvent {

  String threadId();

  /** The thread exists on codex (started, or resumed after a process restart). */
  record Ready(String threadId, boolean resumed) implements ThreadEvent {}

  record TurnStarted(String threadId, String turnId) implements ThreadEvent {}

  record ItemStarted(String threadId, String turnId, JsonNode item) implements ThreadEvent {}

  record ItemCompleted(String threadId, String turnId, JsonNode item) implements ThreadEvent {}

  record AgentMessageDelta(String threadId, String turnId, String itemId, String delta)
      implements ThreadEvent {}

  record CommandOutputDelta(String threadId, String turnId, String itemId, String delta)
      implements ThreadEvent {}

  record ApprovalRequested(String threadId, PendingApproval approval) implements ThreadEvent {}

  record ApprovalResolved(String threadId, String approvalId, String decision, DecidedBy by)
      implements ThreadEvent {}

  record TurnFinished(String threadId, TurnResult result) implements ThreadEvent {}

  /** The app-server process under the thread died; the thread resumes when it is back. */
  record ProcessLost(String threadId, String reason) implements ThreadEvent {}

  /** Any other notification codex sent about the thread (warnings, diffs, token usage ...). */
  record Notice(String threadId, String method, JsonNode params) implements ThreadEvent {}

  /** The thread is gone for good (could not start or resume, or was stopped). */
  record Closed(String threadId, String reason) implements ThreadEvent {}

  enum DecidedBy {
    POLICY,
    REVIEWER,
    TIMEOUT,
    TURN_ENDED
  }
}
