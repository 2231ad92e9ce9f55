package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobLedgerShard;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the journaled job events (in journal order) into each job's last known status, which is
 * what the dispatcher needs to rebuild its queue after a restart. Pure: no actors, no journal.
 */
public final class JobRecovery {

  private JobRecovery() {}

  /**
   * One job as its events left it.
   *
   * @param order the position of its {@code Submitted} event among all submissions (FIFO order)
   * @param retryAt when the next attempt is due, while {@code failed}
   */
  public record RecoveredJob(String jobId, JobSpec spec, JobStatus status, int attempts,
      Instant retryAt, long order, String agent, String lastError, Instant createdAt,
      Instant updatedAt) {

    RecoveredJob with(JobStatus newStatus, int newAttempts, Instant newRetryAt, JobEvent event) {
      return new RecoveredJob(jobId, spec, newStatus, newAttempts, newRetryAt, order, agent,
          lastError, createdAt, event.at());
    }

    RecoveredJob withAgent(String newAgent) {
      return new RecoveredJob(jobId, spec, status, attempts, retryAt, order, newAgent, lastError,
          createdAt, updatedAt);
    }

    RecoveredJob withError(String error) {
      return new RecoveredJob(jobId, spec, status, attempts, retryAt, order, agent, error,
          createdAt, updatedAt);
    }

    /** The listing entry of the job. */
    public JobSummary summary() {
      return new JobSummary(jobId, status, spec.priority(), agent, attempts, lastError,
          createdAt, updatedAt);
    }
  }

  /**
   * Every submitted job, in submission order. The ledger's {@link JobLedgerShard.Recorded} events
   * count as the job events they hold; other objects are skipped, and so are events of a job
   * whose {@code Submitted} event is not among them.
   */
  public static List<RecoveredJob> fold(Iterable<?> events) {
    List<JobEvent> jobEvents = new ArrayList<>();
    for (Object object : events) {
      if (object instanceof JobLedgerShard.Recorded recorded) {
        jobEvents.addAll(recorded.events());
      } else if (object instanceof JobEvent event) {
        jobEvents.add(event);
      }
    }
    Map<String, RecoveredJob> jobs = new LinkedHashMap<>();
    long submissions = 0;
    for (JobEvent event : jobEvents) {
      RecoveredJob job = jobs.get(event.jobId());
      if (event instanceof JobEvent.Submitted submitted) {
        if (job == null) {
          jobs.put(submitted.jobId(), new RecoveredJob(submitted.jobId(), submitted.spec(),
              JobStatus.QUEUED, 0, null, submissions++, submitted.spec().agent(), null,
              submitted.at(), submitted.at()));
        }
        continue;
      }
      if (job == null) {
        continue;
      }
      jobs.put(job.jobId(), apply(job, event));
    }
    List<RecoveredJob> result = new ArrayList<>(jobs.values());
    result.sort(Comparator.comparingLong(RecoveredJob::order));
    return result;
  }

  private static RecoveredJob apply(RecoveredJob job, JobEvent event) {
    if (event instanceof JobEvent.AttemptStarted started) {
      return job.with(JobStatus.RUNNING, started.attempt(), null, event).withAgent(started.agent());
    } else if (event instanceof JobEvent.ApprovalAwaited) {
      return job.with(JobStatus.WAITING_APPROVAL, job.attempts(), null, event);
    } else if (event instanceof JobEvent.ApprovalResumed) {
      return job.with(JobStatus.RUNNING, job.attempts(), null, event);
    } else if (event instanceof JobEvent.AttemptFailed failed) {
      return job.with(JobStatus.FAILED, failed.attempt(), failed.retryAt(), event)
          .withError(failed.error());
    } else if (event instanceof JobEvent.Succeeded) {
      return job.with(JobStatus.SUCCEEDED, job.attempts(), null, event);
    } else if (event instanceof JobEvent.Cancelled) {
      return job.with(JobStatus.CANCELLED, job.attempts(), null, event);
    } else if (event instanceof JobEvent.DeadLettered dead) {
      return job.with(JobStatus.DEAD, dead.attempts(), null, event).withError(dead.error());
    } else if (event instanceof JobEvent.Requeued requeued) {
      return job.with(JobStatus.QUEUED, requeued.attempts(), null, event)
          .withError(requeued.reason());
    } else if (event instanceof JobEvent.Retried) {
      return job.with(JobStatus.QUEUED, 0, null, event);
    } else if (event instanceof JobEvent.ThreadAttached) {
      return job.with(job.status(), job.attempts(), job.retryAt(), event);
    }
    return job;
  }
}
