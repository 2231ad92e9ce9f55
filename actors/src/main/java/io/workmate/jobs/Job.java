package io.workmate.jobs;

import io.workmate.jobs.JobEvent.ApprovalAwaited;
import io.workmate.jobs.JobEvent.ApprovalResumed;
import io.workmate.jobs.JobEvent.AttemptFailed;
import io.workmate.jobs.JobEvent.AttemptReleased;
import io.workmate.jobs.JobEvent.AttemptStarted;
import io.workmate.jobs.JobEvent.Cancelled;
import io.workmate.jobs.JobEvent.DeadLettered;
import io.workmate.jobs.JobEvent.Requeued;
import io.workmate.jobs.JobEvent.Retried;
import io.workmate.jobs.JobEvent.Submitted;
import io.workmate.jobs.JobEvent.Succeeded;
import io.workmate.jobs.JobEvent.ThreadAttached;
import io.workmate.jobs.JobEvent.WorkspaceRecorded;
import io.workmate.persistence.CborSerializable;
import java.time.Instant;

/**
 * A job as it is now: the spec plus what its events made of it. Optional fields are {@code null}
 * when absent. Each {@code after} method is the effect of one event; only {@link #applying}
 * calls them, from the {@link JobLedgerShard}'s event handler, so a job only ever changes
 * through journaled events.
 *
 * @param id the job id
 * @param spec what was submitted
 * @param status where it is
 * @param attempts attempts started (reset by a retry of a dead job)
 * @param agent the agent of the latest attempt
 * @param threadId the Codex thread of the latest attempt, if known
 * @param resultText the agent's final text once {@code succeeded}
 * @param lastError the latest attempt's failure
 * @param retryAt when the next attempt is due while {@code failed}
 * @param approvalId the approval awaited while {@code waiting_approval}
 * @param createdAt when it was submitted
 * @param updatedAt the time of its latest event
 * @param withdrawnApprovalId the approval a released attempt waited on (see
 *     {@link AttemptReleased}); kept so a late answer to it can name the new one
 * @param workspace what the job's git workspace came to, or null (none, or not made yet)
 */
public record Job(
    String id,
    JobSpec spec,
    JobStatus status,
    int attempts,
    String agent,
    String threadId,
    String resultText,
    String lastError,
    Instant retryAt,
    String approvalId,
    Instant createdAt,
    Instant updatedAt,
    String withdrawnApprovalId,
    JobWorkspace workspace) implements CborSerializable {

  /** Without a workspace (what every event but {@link WorkspaceRecorded} makes). */
  public Job(String id, JobSpec spec, JobStatus status, int attempts, String agent,
      String threadId, String resultText, String lastError, Instant retryAt, String approvalId,
      Instant createdAt, Instant updatedAt, String withdrawnApprovalId) {
    this(id, spec, status, attempts, agent, threadId, resultText, lastError, retryAt, approvalId,
        createdAt, updatedAt, withdrawnApprovalId, null);
  }

  /**
   * The job after {@code event}; {@code job} is null before its {@link Submitted}. The
   * workspace is kept through every other event.
   */
  static Job applying(Job job, JobEvent event) {
    if (event instanceof WorkspaceRecorded recorded && job != null) {
      return new Job(job.id, job.spec, job.status, job.attempts, job.agent, job.threadId,
          job.resultText, job.lastError, job.retryAt, job.approvalId, job.createdAt,
          recorded.at(), job.withdrawnApprovalId, recorded.workspace());
    }
    Job next = applyingStatus(job, event);
    return job == null || job.workspace == null || next == job ? next
        : new Job(next.id, next.spec, next.status, next.attempts, next.agent, next.threadId,
            next.resultText, next.lastError, next.retryAt, next.approvalId, next.createdAt,
            next.updatedAt, next.withdrawnApprovalId, job.workspace);
  }

  private static Job applyingStatus(Job job, JobEvent event) {
    if (event instanceof Submitted submitted) {
      return job != null ? job : after(submitted);
    }
    if (job == null) {
      throw new IllegalStateException("an event of job " + event.jobId() + " before it was "
          + "submitted: " + event);
    }
    if (event instanceof AttemptStarted e) {
      return job.after(e);
    } else if (event instanceof ApprovalAwaited e) {
      return job.after(e);
    } else if (event instanceof ApprovalResumed e) {
      return job.after(e);
    } else if (event instanceof Succeeded e) {
      return job.after(e);
    } else if (event instanceof AttemptFailed e) {
      return job.after(e);
    } else if (event instanceof Cancelled e) {
      return job.after(e);
    } else if (event instanceof DeadLettered e) {
      return job.after(e);
    } else if (event instanceof Requeued e) {
      return job.after(e);
    } else if (event instanceof AttemptReleased e) {
      return job.after(e);
    } else if (event instanceof Retried e) {
      return job.after(e);
    } else if (event instanceof ThreadAttached e) {
      return job.after(e);
    }
    throw new IllegalArgumentException("unknown job event " + event);
  }

  static Job after(Submitted event) {
    return new Job(event.jobId(), event.spec(), JobStatus.QUEUED, 0, event.spec().agent(), null,
        null, null, null, null, event.at(), event.at(), null);
  }

  Job after(AttemptStarted event) {
    return new Job(id, spec, JobStatus.RUNNING, event.attempt(), event.agent(), event.threadId(),
        null, lastError, null, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(ApprovalAwaited event) {
    return new Job(id, spec, JobStatus.WAITING_APPROVAL, attempts, agent, threadId, resultText,
        lastError, retryAt, event.approvalId(), createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(ApprovalResumed event) {
    return new Job(id, spec, JobStatus.RUNNING, attempts, agent, threadId, resultText, lastError,
        retryAt, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(Succeeded event) {
    return new Job(id, spec, JobStatus.SUCCEEDED, attempts, agent, threadId, event.text(),
        lastError, null, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(AttemptFailed event) {
    return new Job(id, spec, JobStatus.FAILED, attempts, agent, threadId, null, event.error(),
        event.retryAt(), null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(Cancelled event) {
    return new Job(id, spec, JobStatus.CANCELLED, attempts, agent, threadId, resultText,
        lastError, null, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(DeadLettered event) {
    return new Job(id, spec, JobStatus.DEAD, attempts, agent, threadId, null, event.error(),
        null, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(Requeued event) {
    return new Job(id, spec, JobStatus.QUEUED, attempts, agent, threadId, null, event.reason(),
        null, null, createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(AttemptReleased event) {
    String withdrawn = event.withdrawnApprovalId() != null ? event.withdrawnApprovalId()
        : withdrawnApprovalId;
    return new Job(id, spec, JobStatus.QUEUED, Math.max(0, event.attempt() - 1), agent, threadId,
        null, event.reason(), null, null, createdAt, event.at(), withdrawn);
  }

  Job after(Retried event) {
    // A fresh set of attempts; the last error stays visible until the next attempt replaces it.
    return new Job(id, spec, JobStatus.QUEUED, 0, agent, null, null, lastError, null, null,
        createdAt, event.at(), withdrawnApprovalId);
  }

  Job after(ThreadAttached event) {
    return new Job(id, spec, status, attempts, agent, event.threadId(), resultText, lastError,
        retryAt, approvalId, createdAt, event.at(), withdrawnApprovalId);
  }

  /** Whether another attempt may start after the ones already counted. */
  boolean hasAttemptsLeft() {
    return attempts < spec.maxAttempts();
  }
}
