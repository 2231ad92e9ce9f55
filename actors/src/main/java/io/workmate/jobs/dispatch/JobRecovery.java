package io.workmate.jobs.dispatch;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The dispatcher's start: takes every job from the {@link JobLedger} once the ledger has replayed
 * the journal ({@link JobLedger.GetJobs}, in submission order), requeues the jobs last
 * {@code running}/{@code waiting_approval} ({@link JobOp.Requeue}: the cut-short attempt stays
 * counted, or the job goes dead if it was the last) and answers {@link Recovered} with every job
 * as it is then, once; then stops. A child of the dispatcher, which takes no work meanwhile.
 *
 * <p>A shard of a cluster that starts on a node finds running only the attempts of a node that
 * was lost: those are given back ({@link JobOp.Release}, the node named in the reason), since the
 * job did not fail, its node did.
 */
final class JobRecovery {

  private static final Duration READ_RETRY = Duration.ofSeconds(2);
  /** How long the ledger may take to replay the journal before it is asked again. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  private static final int TRIES = 3;

  /** Every job in submission order, as the ledger has it after the requeues. */
  record Recovered(List<Job> jobs) {}

  sealed interface Command {}

  private record Loaded(List<Job> jobs, String failure) implements Command {}

  private record ReadAgain() implements Command {}

  /** The answer to a {@code Requeue} ({@code viaGet}: to the {@code Get} after it). */
  private record Answered(String jobId, int tries, boolean viaGet, JobReply reply,
      String failure) implements Command {}

  /**
   * @param nodeLost whether a job found running ran on a lost node of a cluster (given back)
   *     rather than in this service before it restarted (the attempt counted)
   */
  static Behavior<Command> create(ActorRef<JobLedger.Command> ledger,
      ActorRef<Recovered> replyTo, boolean nodeLost) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new JobRecovery(context, timers, ledger, replyTo, nodeLost).loading()));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<JobLedger.Command> ledger;
  private final ActorRef<Recovered> replyTo;
  private final boolean nodeLost;
  /** Every job by id, in submission order; the requeued ones replaced by their answer. */
  private final Map<String, Job> jobs = new LinkedHashMap<>();

  private JobRecovery(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<JobLedger.Command> ledger, ActorRef<Recovered> replyTo, boolean nodeLost) {
    this.context = context;
    this.nodeLost = nodeLost;
    this.timers = timers;
    this.ledger = ledger;
    this.replyTo = replyTo;
  }

  /** The ledger answers once its shards have replayed the journal, however long that takes. */
  private Behavior<Command> loading() {
    context.ask(JobLedger.AllJobs.class, ledger, READ_TIMEOUT,
        answerTo -> new JobLedger.GetJobs(READ_TIMEOUT, answerTo),
        (all, failure) -> all != null ? new Loaded(all.jobs(), all.failure())
            : new Loaded(null, String.valueOf(failure)));
    return Behaviors.receive(Command.class)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(ReadAgain.class, again -> loading())
        .build();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (loaded.jobs() == null) {
      context.getLog().warn("recovery: could not take the jobs from the ledger ({}), trying again"
          + " in {}", loaded.failure(), READ_RETRY);
      timers.startSingleTimer(new ReadAgain(), READ_RETRY);
      return Behaviors.same();
    }
    List<String> pending = new ArrayList<>();
    int queued = 0;
    int retrying = 0;
    for (Job job : loaded.jobs()) {
      jobs.put(job.id(), job);
      if (job.status() == JobStatus.QUEUED) {
        queued++;
      } else if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
        retrying++;
      } else if (job.status() == JobStatus.FAILED) {
        pending.add(job.id());
        ask(job.id(), 1, true, new JobOp.Get());
      } else if (job.status() == JobStatus.RUNNING
          || job.status() == JobStatus.WAITING_APPROVAL) {
        // running or waiting for an approval when the service stopped
        pending.add(job.id());
        ask(job.id(), 1, false, cutShort(job));
      }
    }
    context.getLog().info("recovery: {} jobs: {} queued, {} waiting to retry, {} cut short by the"
        + " restart", jobs.size(), queued, retrying, pending.size());
    return requeueing(pending);
  }

  /** @param pending the jobs whose requeue the ledger has not answered yet */
  private Behavior<Command> requeueing(List<String> pending) {
    if (pending.isEmpty()) {
      replyTo.tell(new Recovered(List.copyOf(jobs.values())));
      return Behaviors.stopped();
    }
    return Behaviors.receive(Command.class)
        .onMessage(Answered.class, answered -> onAnswered(answered, pending))
        .build();
  }

  private Behavior<Command> onAnswered(Answered answered, List<String> pending) {
    String jobId = answered.jobId();
    if (answered.reply() instanceof JobReply.Current current) {
      jobs.put(jobId, current.job());
    } else if (answered.reply() instanceof JobReply.Rejected && !answered.viaGet()) {
      // its status is not the one its events said: take it as the ledger has it
      ask(jobId, answered.tries(), true, new JobOp.Get());
      return Behaviors.same();
    } else if (answered.reply() == null && answered.tries() < TRIES) {
      context.getLog().warn("recovery: job {}: no answer ({}), asking again", jobId,
          answered.failure());
      ask(jobId, answered.tries() + 1, true, new JobOp.Get());
      return Behaviors.same();
    } else {
      context.getLog().error("recovery: job {} left as it is: {}", jobId,
          answered.reply() != null ? answered.reply() : answered.failure());
    }
    pending.remove(jobId);
    return pending.isEmpty() ? requeueing(pending) : Behaviors.same();
  }

  private JobOp cutShort(Job job) {
    if (!nodeLost) {
      return new JobOp.Requeue("the service restarted during attempt " + job.attempts());
    }
    String agent = job.agent() == null ? "" : job.agent();
    String node = agent.contains("@") ? agent.substring(agent.indexOf('@') + 1) : "unknown";
    return new JobOp.Release("attempt " + job.attempts() + " was lost with node " + node
        + " (" + agent + "): requeued without spending the attempt", job.approvalId());
  }

  private void ask(String jobId, int tries, boolean viaGet, JobOp op) {
    LedgerAsk.ask(context, ledger, jobId, op,
        (reply, failure) -> new Answered(jobId, tries, viaGet, reply, failure));
  }
}
