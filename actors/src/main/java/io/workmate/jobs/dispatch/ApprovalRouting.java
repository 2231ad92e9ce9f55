package io.workmate.jobs.dispatch;

import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which job each approval belongs to, as the attempts report them ({@link
 * JobAttempt.ApprovalsChanged}), so a reviewer's answer reaches the attempt waiting on it; and
 * the approvals a drain withdrew (their jobs requeued), so a late answer to one is refused naming
 * the approval the job waits on now. Not thread-safe: the dispatcher's.
 */
final class ApprovalRouting {

  private record Pending(int attempt, List<PendingApproval> approvals) {}

  private final Map<String, Pending> byJob = new HashMap<>();
  private final Map<String, String> jobOfApproval = new HashMap<>();
  private final Map<String, String> jobOfWithdrawn = new HashMap<>();

  void changed(JobAttempt.ApprovalsChanged changed) {
    forget(changed.jobId());
    if (!changed.pending().isEmpty()) {
      byJob.put(changed.jobId(), new Pending(changed.attempt(), changed.pending()));
      changed.pending().forEach(approval -> jobOfApproval.put(approval.id(), changed.jobId()));
    }
  }

  /** The job's attempt ended: it waits on nothing. */
  void forget(String jobId) {
    Pending previous = byJob.remove(jobId);
    if (previous != null) {
      previous.approvals().forEach(approval -> jobOfApproval.remove(approval.id()));
    }
  }

  /** The job waiting on {@code approvalId}, or null. */
  String jobOf(String approvalId) {
    return approvalId == null ? null : jobOfApproval.get(approvalId);
  }

  /** Every approval a job waits on, oldest first. */
  List<JobDispatcher.JobApproval> pending() {
    List<JobDispatcher.JobApproval> pending = new ArrayList<>();
    byJob.forEach((jobId, waiting) -> waiting.approvals().forEach(approval ->
        pending.add(new JobDispatcher.JobApproval(jobId, waiting.attempt(), approval))));
    pending.sort(Comparator.comparing((JobDispatcher.JobApproval a) -> a.approval().requestedAt())
        .thenComparing(a -> a.approval().id()));
    return List.copyOf(pending);
  }

  /** Keeps the approval a release withdrew from {@code job} while the job is not terminal. */
  void noteWithdrawn(Job job) {
    if (job.withdrawnApprovalId() == null) {
      return;
    }
    if (job.status().isTerminal()) {
      jobOfWithdrawn.remove(job.withdrawnApprovalId());
    } else {
      jobOfWithdrawn.put(job.withdrawnApprovalId(), job.id());
    }
  }

  /** Why {@code approvalId} can no longer be answered, or null when it was not withdrawn. */
  String withdrawnMessage(String approvalId) {
    String jobId = approvalId == null ? null : jobOfWithdrawn.get(approvalId);
    if (jobId == null) {
      return null;
    }
    Pending waiting = byJob.get(jobId);
    String now = waiting == null
        ? "it asks again under a new id when its next attempt reaches that point"
        : "it now waits on approval " + waiting.approvals().get(0).id();
    return "approval " + approvalId + " was withdrawn when the service stopped and job " + jobId
        + " was requeued; " + now;
  }
}
