package io.workmate.protocol.openclaw;

/**
 * The answer to {@code agent.wait}. {@code status} is ok, error (with {@code error}, e.g.
 * "aborted") or timeout (the wait ended, not necessarily the run).
 */
public record AgentWaitResult(String runId, String status, Long endedAt, String error,
    String stopReason, TerminalReply terminalReply) {

  public record TerminalReply(String disposition, String text) {}

  public boolean succeeded() {
    return AgentResult.STATUS_OK.equals(status);
  }

  public boolean timedOut() {
    return AgentResult.STATUS_TIMEOUT.equals(status);
  }

  /** The run's visible reply, or null. */
  public String replyText() {
    return terminalReply == null ? null : terminalReply.text();
  }
}
