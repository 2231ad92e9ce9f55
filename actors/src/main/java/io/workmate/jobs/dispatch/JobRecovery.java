package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
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
      Instant retryAt, long order) {

    RecoveredJob with(JobStatus newStatus, int newAttempts, Instant newRetryAt) {
      return new RecoveredJob(jobId, spec, newStatus, newAttempts, newRetryAt, order);
    }
  }

  /**
   * Every submitted job, in submission order. Objects that are not {@link JobEvent}s are skipped,
   * and so are events of a job whose {@code Submitted} event is not among them.
   */
  public static List<RecoveredJob> fold(Iterable<?> events) {
    Map<String, RecoveredJob> jobs = new LinkedHashMap<>();
    long submissions = 0;
    for (Object object : events) {
      if (!(object instanceof JobEvent event)) {
        continue;
      }
      RecoveredJob job = jobs.get(event.jobId());
      if (event instanceof JobEvent.Submitted submitted) {
        if (job == null) {
          jobs.put(submitted.jobId(), new RecoveredJob(submitted.jobId(), submitted.spec(),
              JobStatus.QUEUED, 0, null, submissions++));
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
      return job.with(JobStatus.RUNNING, started.attempt(), null);
    } else if (event instanceof JobEvent.ApprovalAwaited) {
      return job.with(JobStatus.WAITING_APPROVAL, job.attempts(), null);
    } else if (event instanceof JobEvent.ApprovalResumed) {
      return job.with(JobStatus.RUNNING, job.attempts(), null);
    } else if (event instanceof JobEvent.AttemptFailed failed) {
      return job.with(JobStatus.FAILED, failed.attempt(), failed.retryAt());
    } else if (event instanceof JobEvent.Succeeded) {
      return job.with(JobStatus.SUCCEEDED, job.attempts(), null);
    } else if (event instanceof JobEvent.Cancelled) {
      return job.with(JobStatus.CANCELLED, job.attempts(), null);
    } else if (event instanceof JobEvent.DeadLettered dead) {
      return job.with(JobStatus.DEAD, dead.attempts(), null);
    } else if (event instanceof JobEvent.Requeued requeued) {
      return job.with(JobStatus.QUEUED, requeued.attempts(), null);
    } else if (event instanceof JobEvent.Retried) {
      return job.with(JobStatus.QUEUED, 0, null);
    }
    return job;
  }
}
