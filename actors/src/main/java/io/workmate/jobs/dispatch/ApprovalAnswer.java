package io.workmate.jobs.dispatch;

import io.workmate.persistence.CborSerializable;

/** The answer to {@link JobDispatcher.DecideApproval}. */
public sealed interface ApprovalAnswer extends CborSerializable {

  /** The agent took the decision; the job runs on. */
  record Done(String jobId, String approvalId) implements ApprovalAnswer {}

  /** No job waits on this approval (never, or not any more): HTTP 404. */
  record NotFound(String approvalId) implements ApprovalAnswer {}

  /** The agent could not take it (the turn ended meanwhile): HTTP 409. */
  record Refused(String approvalId, String message) implements ApprovalAnswer {}
}
