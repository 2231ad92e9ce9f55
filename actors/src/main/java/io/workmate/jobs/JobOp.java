package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.time.Instant;

/**
 * What can be asked of one job in the {@link JobLedger}: a transition (journaled when allowed by
 * {@link JobRules}) or a read. Every op is answered with a {@link JobReply}.
 *
 * <pre>
 * Submit            (none)                    → queued
 * Start             queued, failed            → running (attempts + 1)
 * AwaitApproval     running                   → waiting_approval
 * ApprovalAnswered  waiting_approval          → running
 * Succeed           running                   → succeeded
 * FailAttempt       running, waiting_approval → failed (retryAt), or dead when none is left
 * Requeue           running, waiting_approval → queued (attempt stays counted), or dead
 * Release           running, waiting_approval → queued (the attempt is not counted)
 * Cancel            any non-terminal          → cancelled
 * Retry             dead                      → queued (attempts reset to 0)
 * AttachThread      running, waiting_approval → (same status, the thread id recorded)
 * RecordWorkspace   running, waiting_approval → (same status, the workspace recorded)
 * Expire            queued, failed            → dead (the deadline passed between attempts)
 * </pre>
 */
public sealed interface JobOp extends CborSerializable {

  /** Creates the job; on an existing job, answers with it unchanged (idempotent). */
  record Submit(JobSpec spec) implements JobOp {}

  /** queued/failed → running; counts one more attempt. {@code threadId} may be null. */
  record Start(String agent, String threadId) implements JobOp {}

  /** running → waiting_approval. */
  record AwaitApproval(String approvalId) implements JobOp {}

  /** waiting_approval → running. */
  record ApprovalAnswered() implements JobOp {}

  /** running → succeeded with the agent's final text. */
  record Succeed(String text) implements JobOp {}

  /**
   * running/waiting_approval → failed, due again at {@code retryAt}; → dead instead when no
   * attempt is left or {@code retryAt} is null (the failure is not retryable, or the deadline
   * leaves no room for another attempt).
   */
  record FailAttempt(String error, Instant retryAt) implements JobOp {}

  /** Any non-terminal status → cancelled. */
  record Cancel(String reason) implements JobOp {}

  /**
   * running/waiting_approval → queued after the attempt was cut short (a crash, a lost process);
   * the attempt stays counted, so when it was the last one the job goes dead instead.
   */
  record Requeue(String reason) implements JobOp {}

  /**
   * running/waiting_approval → queued, the attempt given back: the service interrupted it to
   * stop (a drain), so it does not count against the job's attempts. The approval the attempt
   * waited on ({@code withdrawnApprovalId}, may be null) is withdrawn; the next attempt asks
   * again under a new id.
   */
  record Release(String reason, String withdrawnApprovalId) implements JobOp {}

  /** dead → queued with a fresh set of attempts ({@code POST /v1/jobs/{id}/retry}). */
  record Retry() implements JobOp {}

  /** Records the thread the running attempt's backend opened ({@code threadId} of the job). */
  record AttachThread(String threadId) implements JobOp {}

  /** Records what the running attempt's workspace came to ({@code workspace} of the job). */
  record RecordWorkspace(JobWorkspace workspace) implements JobOp {}

  /** queued/failed → dead: the job's deadline passed before it could (re)start. */
  record Expire(String reason) implements JobOp {}

  /** Answered with {@link JobReply.Current}. */
  record Get() implements JobOp {}

  /** Answered with {@link JobReply.History}. */
  record GetHistory() implements JobOp {}
}
