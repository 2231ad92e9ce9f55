package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobRecovery.RecoveredJob;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The fold of journaled job events into each job's last known status. */
class JobRecoveryTest {

  private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");
  private static final Instant RETRY_AT = Instant.parse("2026-11-21T10:05:00Z");

  @Test
  void eachJobEndsInTheStatusItsLastEventGives() {
    List<Object> events = List.of(
        submitted("queued", 0),
        submitted("running", 2),
        new JobEvent.AttemptStarted("running", 1, "codex", null, T),
        submitted("waiting", 0),
        new JobEvent.AttemptStarted("waiting", 1, "codex", null, T),
        new JobEvent.ApprovalAwaited("waiting", "approval-1", T),
        submitted("resumed", 0),
        new JobEvent.AttemptStarted("resumed", 1, "codex", null, T),
        new JobEvent.ApprovalAwaited("resumed", "approval-2", T),
        new JobEvent.ApprovalResumed("resumed", "approval-2", T),
        submitted("failed", 0),
        new JobEvent.AttemptStarted("failed", 1, "codex", null, T),
        new JobEvent.AttemptFailed("failed", 1, "HTTP 500", RETRY_AT, T),
        submitted("succeeded", 0),
        new JobEvent.AttemptStarted("succeeded", 1, "codex", null, T),
        new JobEvent.Succeeded("succeeded", "done", T),
        submitted("cancelled", 0),
        new JobEvent.Cancelled("cancelled", "not needed", T),
        submitted("dead", 0),
        new JobEvent.AttemptStarted("dead", 1, "codex", null, T),
        new JobEvent.DeadLettered("dead", 1, "boom", T),
        submitted("requeued", 0),
        new JobEvent.AttemptStarted("requeued", 1, "codex", null, T),
        new JobEvent.Requeued("requeued", 1, "restart", T),
        submitted("retried", 0),
        new JobEvent.AttemptStarted("retried", 1, "codex", null, T),
        new JobEvent.DeadLettered("retried", 1, "boom", T),
        new JobEvent.Retried("retried", T),
        // a job that started again after its retry
        new JobEvent.AttemptStarted("failed", 2, "codex", null, T));

    Map<String, RecoveredJob> jobs = byId(JobRecovery.fold(events));

    assertEquals(JobStatus.QUEUED, jobs.get("queued").status());
    assertEquals(0, jobs.get("queued").attempts());
    assertEquals(JobStatus.RUNNING, jobs.get("running").status());
    assertEquals(2, jobs.get("running").spec().priority());
    assertEquals(JobStatus.WAITING_APPROVAL, jobs.get("waiting").status());
    assertEquals(JobStatus.RUNNING, jobs.get("resumed").status());
    assertEquals(JobStatus.RUNNING, jobs.get("failed").status());
    assertEquals(2, jobs.get("failed").attempts());
    assertNull(jobs.get("failed").retryAt());
    assertEquals(JobStatus.SUCCEEDED, jobs.get("succeeded").status());
    assertEquals(JobStatus.CANCELLED, jobs.get("cancelled").status());
    assertEquals(JobStatus.DEAD, jobs.get("dead").status());
    assertEquals(JobStatus.QUEUED, jobs.get("requeued").status());
    assertEquals(1, jobs.get("requeued").attempts(), "the cut-short attempt stays counted");
    assertEquals(JobStatus.QUEUED, jobs.get("retried").status());
    assertEquals(0, jobs.get("retried").attempts());
  }

  @Test
  void aFailedJobKeepsItsRetryTime() {
    RecoveredJob job = JobRecovery.fold(List.of(
        submitted("a", 0),
        new JobEvent.AttemptStarted("a", 1, "codex", null, T),
        new JobEvent.AttemptFailed("a", 1, "HTTP 500", RETRY_AT, T))).get(0);
    assertEquals(JobStatus.FAILED, job.status());
    assertEquals(RETRY_AT, job.retryAt());
    assertEquals(1, job.attempts());
  }

  @Test
  void jobsComeInSubmissionOrderAndStrayEventsAreSkipped() {
    List<RecoveredJob> jobs = JobRecovery.fold(List.of(
        "not a job event",
        new JobEvent.AttemptStarted("never-submitted", 1, "codex", null, T),
        submitted("first", 0),
        submitted("second", 5),
        new JobEvent.AttemptStarted("first", 1, "codex", null, T),
        submitted("third", 0),
        submitted("first", 9))); // a repeated Submitted changes nothing

    assertEquals(List.of("first", "second", "third"),
        jobs.stream().map(RecoveredJob::jobId).toList());
    assertEquals(List.of(0L, 1L, 2L), jobs.stream().map(RecoveredJob::order).toList());
    assertEquals(JobStatus.RUNNING, jobs.get(0).status());
    assertEquals(0, jobs.get(0).spec().priority());
  }

  private static JobEvent.Submitted submitted(String id, int priority) {
    return new JobEvent.Submitted(id, JobSpec.of("prompt " + id, T).withPriority(priority), T);
  }

  private static Map<String, RecoveredJob> byId(List<RecoveredJob> jobs) {
    return jobs.stream().collect(Collectors.toMap(RecoveredJob::jobId, Function.identity()));
  }
}
