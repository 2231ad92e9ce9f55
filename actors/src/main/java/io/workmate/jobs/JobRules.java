package io.workmate.jobs;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The job state machine ({@link JobOp}), pure: given a job as it is and an op, the event to
 * journal or the answer to give. Deciding when to start, retry or time out an attempt is the
 * dispatcher's job; this only checks that a transition is allowed.
 */
public final class JobRules {

  /** The code of {@link JobReply.Rejected} for an op the job's status does not allow. */
  public static final String INVALID_TRANSITION = "invalid_transition";

  /** Transitions kept per job for {@link JobOp.GetHistory}; older ones stay in the journal. */
  public static final int HISTORY_LIMIT = 200;

  private static final Set<JobStatus> STARTABLE = EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED);
  private static final Set<JobStatus> IN_ATTEMPT =
      EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL);
  private static final Set<JobStatus> RUNNING = EnumSet.of(JobStatus.RUNNING);
  private static final Set<JobStatus> NOT_TERMINAL =
      EnumSet.complementOf(EnumSet.of(JobStatus.SUCCEEDED, JobStatus.CANCELLED, JobStatus.DEAD));

  private JobRules() {}

  /** What an op comes to: an event to journal, or an answer with nothing to journal. */
  public sealed interface Decision {}

  /** Journal {@code event}; the answer is the job after it. */
  public record Persist(JobEvent event) implements Decision {}

  /** Nothing changes; answer {@code reply}. */
  public record Answer(JobReply reply) implements Decision {}

  /**
   * The decision on {@code op} for the job {@code jobId}, which is {@code job} now (null: never
   * submitted). {@link JobOp.GetHistory} is answered by whoever keeps the history; here it only
   * says whether the job exists.
   */
  public static Decision decide(String jobId, Job job, JobOp op, Instant now) {
    if (job == null) {
      return op instanceof JobOp.Submit submit
          ? new Persist(new JobEvent.Submitted(jobId, submit.spec(), now))
          : new Answer(new JobReply.NotFound(jobId));
    }
    if (op instanceof JobOp.Submit || op instanceof JobOp.Get
        || op instanceof JobOp.GetHistory) {
      return new Answer(new JobReply.Current(job));
    } else if (op instanceof JobOp.Start start) {
      return transition(job, STARTABLE, "be started", current ->
          new JobEvent.AttemptStarted(jobId, current.attempts() + 1, start.agent(),
              start.threadId(), now));
    } else if (op instanceof JobOp.AwaitApproval await) {
      return transition(job, RUNNING, "wait for an approval",
          current -> new JobEvent.ApprovalAwaited(jobId, await.approvalId(), now));
    } else if (op instanceof JobOp.ApprovalAnswered) {
      return transition(job, EnumSet.of(JobStatus.WAITING_APPROVAL), "resume after an approval",
          current -> new JobEvent.ApprovalResumed(jobId, current.approvalId(), now));
    } else if (op instanceof JobOp.Succeed succeed) {
      return transition(job, RUNNING, "succeed",
          current -> new JobEvent.Succeeded(jobId, succeed.text(), now));
    } else if (op instanceof JobOp.FailAttempt fail) {
      return transition(job, IN_ATTEMPT, "fail an attempt", current ->
          current.hasAttemptsLeft() && fail.retryAt() != null
              ? new JobEvent.AttemptFailed(jobId, current.attempts(), fail.error(),
                  fail.retryAt(), now)
              : new JobEvent.DeadLettered(jobId, current.attempts(), fail.error(), now));
    } else if (op instanceof JobOp.Cancel cancel) {
      return transition(job, NOT_TERMINAL, "be cancelled",
          current -> new JobEvent.Cancelled(jobId, cancel.reason(), now));
    } else if (op instanceof JobOp.Requeue requeue) {
      return transition(job, IN_ATTEMPT, "be requeued", current ->
          current.hasAttemptsLeft()
              ? new JobEvent.Requeued(jobId, current.attempts(), requeue.reason(), now)
              : new JobEvent.DeadLettered(jobId, current.attempts(), requeue.reason(), now));
    } else if (op instanceof JobOp.Release release) {
      return transition(job, IN_ATTEMPT, "be released", current ->
          new JobEvent.AttemptReleased(jobId, current.attempts(), release.reason(),
              release.withdrawnApprovalId() != null ? release.withdrawnApprovalId()
                  : current.approvalId(), now));
    } else if (op instanceof JobOp.Retry) {
      return transition(job, EnumSet.of(JobStatus.DEAD), "be retried",
          current -> new JobEvent.Retried(jobId, now));
    } else if (op instanceof JobOp.AttachThread attach) {
      return transition(job, IN_ATTEMPT, "take a thread", current ->
          new JobEvent.ThreadAttached(jobId, current.attempts(), attach.threadId(), now));
    } else if (op instanceof JobOp.RecordWorkspace record) {
      return transition(job, IN_ATTEMPT, "record a workspace", current ->
          new JobEvent.WorkspaceRecorded(jobId, current.attempts(), record.workspace(), now));
    } else if (op instanceof JobOp.Expire expire) {
      return transition(job, STARTABLE, "expire",
          current -> new JobEvent.DeadLettered(jobId, current.attempts(), expire.reason(), now));
    }
    throw new IllegalArgumentException("unknown op " + op);
  }

  private static Decision transition(Job job, Set<JobStatus> allowed, String action,
      Function<Job, JobEvent> toEvent) {
    if (!allowed.contains(job.status())) {
      return new Answer(new JobReply.Rejected(INVALID_TRANSITION,
          "job " + job.id() + " is " + job.status().wireName() + "; it cannot " + action));
    }
    return new Persist(toEvent.apply(job));
  }
}
