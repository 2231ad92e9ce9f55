package io.workmate.jobs.dispatch;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobReply;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The dispatcher's {@link JobAttempt} children, by job: it spawns them, holds the agent slot each
 * takes until it reports its end, and passes cancels, releases and reviewers' answers to them
 * ({@link ApprovalRouting} knows which attempt waits on which approval). Not thread-safe: the
 * dispatcher's.
 */
final class RunningAttempts {

  /** An attempt in progress: its actor and the agent it holds a slot of. */
  private record Attempt(ActorRef<JobAttempt.Command> ref, AgentSlot slot) {}

  private final ActorContext<?> context;
  private final JobDispatcherSettings settings;
  private final ActorRef<JobLedger.Command> ledger;
  private final ActorRef<JobAttempt.Report> reportTo;
  private final JobMetrics metrics;
  private final ApprovalRouting approvals = new ApprovalRouting();
  private final Map<String, Attempt> byJob = new HashMap<>();
  private long started;

  RunningAttempts(ActorContext<?> context, JobDispatcherSettings settings,
      ActorRef<JobLedger.Command> ledger, ActorRef<JobAttempt.Report> reportTo,
      JobMetrics metrics) {
    this.context = context;
    this.settings = settings;
    this.ledger = ledger;
    this.reportTo = reportTo;
    this.metrics = metrics;
  }

  /** Starts an attempt of {@code job} on {@code slot}'s agent. */
  void start(Job job, AgentSlot slot, Instant now) {
    slot.started(now);
    ActorRef<JobAttempt.Command> attempt = context.spawn(JobAttempt.create(job.id(), job.spec(),
        slot.handle(), ledger, settings.clock(), settings.backoff(), reportTo,
        settings.workspaces()),
        "attempt-" + (++started));
    byJob.put(job.id(), new Attempt(attempt, slot));
    metrics.running(byJob.size());
  }

  /** The attempt reported its end: its slot is free; the outcome is metered and logged. */
  void ended(JobAttempt.Ended ended) {
    String jobId = ended.jobId();
    Attempt attempt = byJob.remove(jobId);
    if (attempt != null) {
      attempt.slot().ended();
    }
    approvals.forget(jobId);
    metrics.running(byJob.size());
    if (ended instanceof JobAttempt.Recorded recorded) {
      metrics.attemptEnded(recorded.outcome(), recorded.ran());
      if (recorded.job() == null) {
        context.getLog().warn("job {}: outcome not recorded: {}", jobId, recorded.reply());
      }
    } else if (ended instanceof JobAttempt.NotStarted notStarted) {
      context.getLog().info("job {}: not started: {}", jobId, notStarted.why());
    }
  }

  boolean isRunning(String jobId) {
    return byJob.containsKey(jobId);
  }

  boolean isEmpty() {
    return byJob.isEmpty();
  }

  int size() {
    return byJob.size();
  }

  Set<String> jobIds() {
    return Set.copyOf(byJob.keySet());
  }

  /** Cancels the running attempt of {@code jobId}; false when none runs. */
  boolean cancel(String jobId, ActorRef<JobReply> replyTo) {
    Attempt attempt = byJob.get(jobId);
    if (attempt != null) {
      attempt.ref().tell(new JobAttempt.Cancel(replyTo));
    }
    return attempt != null;
  }

  /** Interrupts every attempt and gives it back ({@link JobAttempt.Release}). */
  void releaseAll(String reason) {
    byJob.values().forEach(attempt -> attempt.ref().tell(new JobAttempt.Release(reason)));
  }

  /** Gives back the attempts waiting for a person's approval. */
  void releaseAwaitingApproval(String reason) {
    byJob.values().forEach(attempt ->
        attempt.ref().tell(new JobAttempt.ReleaseIfAwaitingApproval(reason)));
  }

  ApprovalRouting approvals() {
    return approvals;
  }

  List<JobDispatcher.JobApproval> pendingApprovals() {
    return approvals.pending();
  }

  /** Passes a reviewer's answer to the attempt waiting on it, or refuses it. */
  void decide(JobDispatcher.DecideApproval decide) {
    String jobId = approvals.jobOf(decide.approvalId());
    Attempt attempt = jobId == null ? null : byJob.get(jobId);
    String withdrawn = jobId == null ? approvals.withdrawnMessage(decide.approvalId()) : null;
    if (attempt != null) {
      attempt.ref().tell(new JobAttempt.Decide(decide.approvalId(), decide.decision(),
          decide.replyTo()));
    } else if (withdrawn != null) {
      decide.replyTo().tell(
          new ApprovalAnswer.Refused(decide.approvalId(), withdrawn));
    } else {
      decide.replyTo().tell(new ApprovalAnswer.NotFound(decide.approvalId()));
    }
  }
}
