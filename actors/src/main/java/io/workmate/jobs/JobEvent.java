package io.workmate.jobs;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.workmate.persistence.CborSerializable;
import java.time.Instant;

/**
 * One transition of a job, as decided by {@link JobRules} and journaled by a
 * {@link JobLedgerShard} (inside its {@link JobLedgerShard.Recorded} batches). Each carries
 * the job id, so a batch holds transitions of many jobs, and the time it happened. Optional fields are {@code null} when absent.
 */
// Type names: a batch and the history reply hold these in a List<JobEvent>, which Jackson can
// only read back when each element says what it is. Names, not class names, so classes can move.
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JobEvent.Submitted.class, name = "submitted"),
    @JsonSubTypes.Type(value = JobEvent.AttemptStarted.class, name = "attempt_started"),
    @JsonSubTypes.Type(value = JobEvent.ApprovalAwaited.class, name = "approval_awaited"),
    @JsonSubTypes.Type(value = JobEvent.ApprovalResumed.class, name = "approval_resumed"),
    @JsonSubTypes.Type(value = JobEvent.Succeeded.class, name = "succeeded"),
    @JsonSubTypes.Type(value = JobEvent.AttemptFailed.class, name = "attempt_failed"),
    @JsonSubTypes.Type(value = JobEvent.Cancelled.class, name = "cancelled"),
    @JsonSubTypes.Type(value = JobEvent.DeadLettered.class, name = "dead_lettered"),
    @JsonSubTypes.Type(value = JobEvent.Requeued.class, name = "requeued"),
    @JsonSubTypes.Type(value = JobEvent.AttemptReleased.class, name = "attempt_released"),
    @JsonSubTypes.Type(value = JobEvent.Retried.class, name = "retried"),
    @JsonSubTypes.Type(value = JobEvent.ThreadAttached.class, name = "thread_attached"),
    @JsonSubTypes.Type(value = JobEvent.WorkspaceRecorded.class, name = "workspace_recorded"),
})
public sealed interface JobEvent extends CborSerializable {

  String jobId();

  Instant at();

  /** The job was accepted: {@code queued}. */
  record Submitted(String jobId, JobSpec spec, Instant at) implements JobEvent {}

  /** Attempt number {@code attempt} (1-based) started on {@code agent}: {@code running}. */
  record AttemptStarted(String jobId, int attempt, String agent, String threadId, Instant at)
      implements JobEvent {}

  /** The running turn waits for a reviewer's answer to {@code approvalId}. */
  record ApprovalAwaited(String jobId, String approvalId, Instant at) implements JobEvent {}

  /** The approval was answered; the turn runs on. */
  record ApprovalResumed(String jobId, String approvalId, Instant at) implements JobEvent {}

  /** The attempt finished with {@code text}: terminal. */
  record Succeeded(String jobId, String text, Instant at) implements JobEvent {}

  /** Attempt {@code attempt} failed; the next one is due at {@code retryAt}: {@code failed}. */
  record AttemptFailed(String jobId, int attempt, String error, Instant retryAt, Instant at)
      implements JobEvent {}

  /** Cancelled by a user: terminal. */
  record Cancelled(String jobId, String reason, Instant at) implements JobEvent {}

  /** No attempt left after {@code attempts} ({@code error} is the last failure): {@code dead}. */
  record DeadLettered(String jobId, int attempts, String error, Instant at) implements JobEvent {}

  /** The attempt was cut short (a crash, a lost process) but stays counted: {@code queued}. */
  record Requeued(String jobId, int attempts, String reason, Instant at) implements JobEvent {}

  /**
   * Attempt {@code attempt} was interrupted because the service stopped and given back: the job
   * is {@code queued} with {@code attempt - 1} attempts counted. {@code withdrawnApprovalId} is
   * the approval it waited on, if any (answering it later is refused, naming the new one).
   */
  record AttemptReleased(String jobId, int attempt, String reason, String withdrawnApprovalId,
      Instant at) implements JobEvent {}

  /** A dead job was given a fresh set of attempts: {@code queued}. */
  record Retried(String jobId, Instant at) implements JobEvent {}

  /** The running attempt's backend named its thread (a Codex thread id). */
  record ThreadAttached(String jobId, int attempt, String threadId, Instant at)
      implements JobEvent {}

  /** The job's worktree was made, or its changes committed: what its workspace came to. */
  record WorkspaceRecorded(String jobId, int attempt, JobWorkspace workspace, Instant at)
      implements JobEvent {}
}
