package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobPosition;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import io.workmate.persistence.CborSerializable;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.BlockingThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The scheduler of the job queue. It keeps the jobs that wait ({@link WaitingJobs}: queued by
 * priority then submission order, failed until their retry, deadlines) and starts each on an
 * agent that fits it and has room ({@link AgentSlots}: routing, {@code maxConcurrent}, rate
 * limit) as a {@link JobAttempt} child ({@link RunningAttempts}), which runs the attempt and
 * reports its end once. It keeps the listing index and the watchers ({@link JobBook}); every
 * transition is journaled by its {@link JobLedger} child. Before any other work (commands are
 * stashed) {@link JobRecovery} takes the jobs from the ledger, requeuing those cut short.
 */
public final class JobDispatcher {

  /** {@link JobReply.Rejected} code: no live agent fits the job's agent/capabilities. */
  public static final String NO_MATCHING_AGENT = "no_matching_agent";

  /** {@link JobReply.Rejected} code: the job store did not answer (HTTP 503). */
  public static final String UNAVAILABLE = "unavailable";

  /**
   * {@link JobReply.Rejected} code: the service is draining to stop and admits no job (HTTP 503
   * with {@code Retry-After}).
   */
  public static final String DRAINING = "draining";

  /** Jobs a {@link ListJobs} page holds at most. */
  public static final int MAX_PAGE = 1000;

  /** Commands held while the queue is rebuilt; beyond this they are refused. */
  private static final int STASH_CAPACITY = 10_000;

  // ---- protocol ----

  /** Serializable: in a cluster, requests reach the shard's node from any node. */
  public sealed interface Command extends CborSerializable {}

  /** A command about one job, answered with a {@link JobReply}. */
  public sealed interface JobCommand extends Command {
    ActorRef<JobReply> replyTo();
  }

  /**
   * Submits a job; answered with the ledger's reply ({@link JobReply.Current} when accepted).
   *
   * @param jobId the job's id from {@link JobIds#forSpec} (so a repeated idempotency key reaches
   *     the same job), or null for the dispatcher to take it: a cluster's front takes it to
   *     know the shard
   */
  public record Submit(JobSpec spec, String jobId, ActorRef<JobReply> replyTo)
      implements JobCommand {
    public Submit(JobSpec spec, ActorRef<JobReply> replyTo) {
      this(spec, null, replyTo);
    }
  }

  /** Cancels a job; answered with the ledger's reply to {@link JobOp.Cancel}. */
  public record Cancel(String jobId, ActorRef<JobReply> replyTo) implements JobCommand {}

  /** The job as the ledger has it ({@link JobReply.Current} or {@code NotFound}). */
  public record Get(String jobId, ActorRef<JobReply> replyTo) implements JobCommand {}

  /** The job's recent transitions ({@link JobReply.History} or {@code NotFound}). */
  public record GetHistory(String jobId, ActorRef<JobReply> replyTo) implements JobCommand {}

  /** Gives a dead job a fresh set of attempts; answered with the ledger's reply. */
  public record Retry(String jobId, ActorRef<JobReply> replyTo) implements JobCommand {}

  /**
   * A page of jobs in submission order, oldest first.
   *
   * @param status only jobs in this status, or null for all
   * @param agent only jobs on (or asking for) this agent, or null for all
   * @param limit at most this many (1..1000)
   * @param after start after this job id (the previous page's {@code next}), or null
   */
  public record ListJobs(JobStatus status, String agent, int limit, String after,
      ActorRef<JobPage> replyTo) implements Command {
    /** Any agent. */
    public ListJobs(JobStatus status, int limit, String after, ActorRef<JobPage> replyTo) {
      this(status, null, limit, after, replyTo);
    }
  }

  /** @param next the {@code after} of the next page, or null when this is the last one */
  public record JobPage(List<JobSummary> jobs, String next) implements CborSerializable {}

  /**
   * As {@link ListJobs}, in the order of a cluster's listing: after {@code after} (null: from
   * the first) by submission time, then id; a cluster merges one such page of every shard.
   */
  public record PageFrom(JobStatus status, String agent, int limit, JobPosition after,
      ActorRef<JobPage> replyTo) implements Command {
    /** Any agent. */
    public PageFrom(JobStatus status, int limit, JobPosition after, ActorRef<JobPage> replyTo) {
      this(status, null, limit, after, replyTo);
    }
  }

  /** Streams the job's {@link JobFeed}: its status, every change and item, then the end. */
  public record Watch(String jobId, ActorRef<JobFeed> watcher) implements Command {}

  /** The approvals that running jobs wait on, oldest first. */
  public record ListApprovals(ActorRef<Approvals> replyTo) implements Command {}

  /** The answer to {@link ListApprovals}. */
  public record Approvals(List<JobApproval> approvals) implements CborSerializable {}

  /** An approval a job waits on. */
  public record JobApproval(String jobId, int attempt, PendingApproval approval) {}

  /** Answers an approval ({@link #ListApprovals}) of a waiting job ({@link ApprovalAnswer}). */
  public record DecideApproval(String approvalId, ApprovalDecision decision,
      ActorRef<ApprovalAnswer> replyTo) implements Command {}

  /** Tells {@code subscriber} once of every job that reaches a terminal status from now on. */
  public record SubscribeFinished(ActorRef<Finished> subscriber) implements Command {}

  /** A job now terminal, and the kind of the agent it last ran on (null: none, or gone). */
  public record Finished(Job job, AgentKind agentKind) {}

  /** Counts for metrics and health: answered with {@link JobStats}. */
  public record GetStats(ActorRef<JobStats> replyTo) implements Command {}

  /**
   * Stops taking work for good (the service is about to stop): submits are refused
   * ({@link #DRAINING}), no queued job starts, an attempt waiting for a person's approval is
   * released at once ({@link JobOp.Release}); {@code replyTo} hears {@link Drained} once no
   * attempt runs.
   */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** No attempt is in progress any more (see {@link Drain}). */
  public record Drained(int released) {}

  /**
   * Cluster Sharding moves this dispatcher's shard to another node (a rebalance, or this node
   * leaves): it takes no new work, interrupts and releases every attempt ({@link JobOp.Release}:
   * requeued without spending an attempt, run again where the shard goes), then stops.
   */
  public record HandOff() implements Command {}

  private record HandedOff() implements Command {}

  /** The drain's time is up: interrupt and release every attempt ({@link JobOp.Release}). */
  public record ReleaseRunning(String reason) implements Command {}

  /**
   * A test hook ({@code workmate.service.test-hooks}): blocks the dispatcher's thread for
   * {@code duration}, as a bug would, so the service's watchdog can be seen to stop.
   */
  public record Stall(Duration duration) implements Command {}

  /** The agents now; jobs queued for a gone agent wait until one that fits them comes. */
  public record AgentsChanged(List<AgentHandle> agents) implements Command {}

  /** What the dispatcher holds in memory right now, for tests and health checks. */
  public record GetQueue(ActorRef<JobQueueState> replyTo) implements Command {}

  /** The ledger's answer to an op, for {@code replyTo} (null: the dispatcher's own op). */
  private record Answered(String jobId, JobReply reply, ActorRef<JobReply> replyTo)
      implements Command {}

  private record WatcherGone(String jobId, ActorRef<JobFeed> watcher) implements Command {}

  private record FromAttempt(JobAttempt.Report report) implements Command {}

  private record Recovered(List<Job> jobs) implements Command {}

  private record RetryDue(String jobId) implements Command {}

  private record DeadlineDue(String jobId) implements Command {}

  private record RateWindowOpened() implements Command {}

  public static Behavior<Command> create(JobDispatcherSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        STASH_CAPACITY, stash -> new JobDispatcher(context, timers, stash, settings).starting())));
  }

  private final ActorContext<Command> context;
  private final StashBuffer<Command> stash;
  private final JobDispatcherSettings settings;
  private final JobMetrics metrics;
  private final ActorRef<JobLedger.Command> ledger;
  /** Where the ledger answers the ops passed on for a caller (the caller is carried along). */
  private final ActorRef<JobLedger.Answered> ledgerAnswers;
  private final AgentSlots agents;
  private final JobBook<Command> book;
  private final WaitingJobs<Command> waiting;
  private final RunningAttempts running;
  private final DrainProgress drain = new DrainProgress();

  private JobDispatcher(ActorContext<Command> context, TimerScheduler<Command> timers,
      StashBuffer<Command> stash, JobDispatcherSettings settings) {
    this.context = context;
    this.stash = stash;
    this.settings = settings;
    this.metrics = new JobMetrics(settings.metrics());
    this.agents = new AgentSlots(settings.agents(), settings.defaultAgent());
    this.book = new JobBook<>(context, metrics, WatcherGone::new, agents::kindOf, this::track);
    this.waiting = new WaitingJobs<>(timers, metrics, settings.clock(), RetryDue::new,
        DeadlineDue::new, new RateWindowOpened());
    this.ledger = context.spawn(JobLedger.supervised(settings.ledger(), settings.clock(),
        settings.ledgerPart(), settings.ledgerWriteInterval()), "ledger");
    this.ledgerAnswers = context.messageAdapter(JobLedger.Answered.class,
        answered -> new Answered(answered.jobId(), answered.reply() != null ? answered.reply()
            : new JobReply.Rejected(UNAVAILABLE, answered.failure()), answered.requester()));
    this.running = new RunningAttempts(context, settings, ledger,
        context.messageAdapter(JobAttempt.Report.class, FromAttempt::new), metrics);
  }

  /** Recovery ({@link JobRecovery}) first; only drains and stats are taken meanwhile. */
  private Behavior<Command> starting() {
    context.spawn(JobRecovery.create(ledger, context.messageAdapter(
        JobRecovery.Recovered.class, r -> new Recovered(r.jobs())),
        settings.ledgerPart().movesBetweenNodes()), "recovery");
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, this::onRecovered)
        .onMessage(GetStats.class, get -> onGetStats(get, true))
        .onMessage(HandOff.class, handOff -> Behaviors.stopped()) // nothing runs yet
        .onMessage(Drain.class, this::onDrain) // at once: it must hold back what recovery starts
        .onAnyMessage(this::stashWhileRecovering)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> scheduling() {
    // the builder tries the cases in turn: the messages every job brings come first
    return Behaviors.receive(Command.class)
        .onMessage(FromAttempt.class, this::onFromAttempt)
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Retry.class, r -> passOn(r.jobId(), r.replyTo(), new JobOp.Retry()))
        .onMessage(Get.class, get -> passOn(get.jobId(), get.replyTo(), new JobOp.Get()))
        .onMessage(GetHistory.class, h -> passOn(h.jobId(), h.replyTo(), new JobOp.GetHistory()))
        .onMessage(ListJobs.class, list -> same(() -> book.list(list)))
        .onMessage(PageFrom.class, list -> same(() -> book.listFrom(list)))
        .onMessage(Watch.class, watch -> same(() -> book.watch(watch, ledger)))
        .onMessage(WatcherGone.class,
            gone -> same(() -> book.watcherGone(gone.jobId(), gone.watcher())))
        .onMessage(SubscribeFinished.class,
            subscribe -> same(() -> book.subscribe(subscribe.subscriber())))
        .onMessage(ListApprovals.class,
            list -> same(() -> list.replyTo().tell(new Approvals(running.pendingApprovals()))))
        .onMessage(DecideApproval.class, decide -> same(() -> running.decide(decide)))
        .onMessage(GetQueue.class, get -> same(() -> get.replyTo().tell(
            new JobQueueState(waiting.inStartOrder(), running.jobIds(), waiting.retrying()))))
        .onMessage(GetStats.class, get -> onGetStats(get, false))
        .onMessage(AgentsChanged.class, changed -> {
          agents.replaceAll(changed.agents());
          return startWhatFits();
        })
        .onMessage(RetryDue.class, due -> {
          if (waiting.retryDue(due.jobId())) {
            enqueue(due.jobId());
          }
          return startWhatFits();
        })
        .onMessage(DeadlineDue.class, due -> same(() -> {
          if (waiting.deadlinePassed(due.jobId())) {
            askLedger(due.jobId(), new JobOp.Expire(JobAttempt.DEADLINE_PASSED), null);
          }
        }))
        .onMessage(RateWindowOpened.class, opened -> {
          waiting.woken();
          return startWhatFits();
        })
        .onMessage(Drain.class, this::onDrain)
        .onMessage(HandOff.class, this::onHandOff)
        .onMessage(HandedOff.class, handedOff -> Behaviors.stopped())
        .onMessage(ReleaseRunning.class,
            release -> same(() -> running.releaseAll(release.reason())))
        .onMessage(Stall.class, stall -> same(() -> { // on purpose, as a bug would
          context.getLog().warn("test hook: stalling the dispatcher for {}", stall.duration());
          BlockingThreads.stall(stall.duration());
        }))
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onPostStop(PostStop stopped) {
    metrics.close();
    return Behaviors.same();
  }

  private static Behavior<Command> same(Runnable action) {
    action.run();
    return Behaviors.same();
  }

  private Behavior<Command> stashWhileRecovering(Command command) {
    if (!stash.isFull()) {
      stash.stash(command);
    } else if (command instanceof JobCommand jobCommand) {
      jobCommand.replyTo().tell(new JobReply.Rejected(UNAVAILABLE,
          "the job queue is still being recovered; try again"));
    } else {
      context.getLog().warn("recovery: dropped {} (the stash is full)", command);
    }
    return Behaviors.same();
  }

  /** Takes every job in (in submission order), queues the queued, schedules the retries. */
  private Behavior<Command> onRecovered(Recovered recovered) {
    for (Job job : recovered.jobs()) {
      book.recovered(job);
      running.approvals().noteWithdrawn(job);
      if (!job.status().isTerminal() && !waiting.recovered(job, book.index().orderOf(job.id()))) {
        context.getLog().error("recovery: job {} is {} and could not be requeued", job.id(),
            job.status());
      }
    }
    metrics.statusCounts(book.counts());
    context.getLog().info("recovery: done; {} queued, {} waiting to retry", waiting.queued(),
        waiting.retrying().size());
    startWhatFits();
    drain.tellIfDone(!running.isEmpty());
    return stash.unstashAll(scheduling());
  }

  private Behavior<Command> onSubmit(Submit submit) {
    JobSpec spec = submit.spec();
    if (drain.draining()) {
      submit.replyTo().tell(new JobReply.Rejected(DRAINING, "the service is stopping and takes "
          + "no new jobs; submit again once it is back"));
    } else if (!agents.anyFits(spec)) {
      submit.replyTo().tell(new JobReply.Rejected(NO_MATCHING_AGENT, agents.noAgentMessage(spec)));
    } else {
      askLedger(submit.jobId() != null ? submit.jobId() : JobIds.forSpec(spec),
          new JobOp.Submit(spec), submit.replyTo());
    }
    return Behaviors.same();
  }

  /** Passes an op on to the ledger; its answer comes back through the dispatcher. */
  private Behavior<Command> passOn(String jobId, ActorRef<JobReply> replyTo, JobOp op) {
    if (!book.knows(jobId)) {
      replyTo.tell(new JobReply.NotFound(jobId));
    } else {
      askLedger(jobId, op, replyTo);
    }
    return Behaviors.same();
  }

  /** Takes the answer in (a job now queued is queued here too) and passes it on. */
  private Behavior<Command> onAnswered(Answered answered) {
    if (answered.reply() instanceof JobReply.Current current) {
      book.observe(current.job());
      if (current.job().status() == JobStatus.QUEUED) {
        enqueue(current.job().id()); // a submit or a retry; a no-op when it is queued already
      }
    }
    if (answered.replyTo() != null) {
      answered.replyTo().tell(answered.reply());
    } else if (!(answered.reply() instanceof JobReply.Current)) {
      context.getLog().debug("job {}: {}", answered.jobId(), answered.reply());
    }
    return startWhatFits();
  }

  private Behavior<Command> onGetStats(GetStats get, boolean recovering) {
    get.replyTo().tell(new JobStats(book.counts(), waiting.depthByPriority(),
        agents.runningByAgent(), recovering, drain.draining()));
    return Behaviors.same();
  }

  /** Keeps the deadline timer and the withdrawn approval of a job the book took in. */
  private void track(Job job) {
    running.approvals().noteWithdrawn(job);
    if (job.status().isTerminal()) {
      waiting.forgetDeadline(job.id());
    } else {
      waiting.watchDeadline(job);
    }
  }

  /** Queues a live job that is not running at its place in submission order. */
  private void enqueue(String jobId) {
    Job job = book.live(jobId);
    if (job != null && !running.isRunning(jobId)) {
      Long order = book.index().orderOf(jobId);
      waiting.enqueue(job, order != null ? order : book.index().nextOrder());
    }
  }

  /**
   * Starts queued jobs while an agent that fits one has room: each time the first job, in start
   * order, among the heads of the routes. A draining dispatcher starts none (they stay queued for
   * the next start of the service).
   */
  private Behavior<Command> startWhatFits() {
    if (drain.draining()) {
      return Behaviors.same();
    }
    Instant now = settings.clock().instant();
    for (WaitingJobs.Next next; !waiting.queueIsEmpty() && agents.anyFree(now)
        && (next = waiting.takeNext(now, book::live, agents)) != null; ) {
      if (next.slot() != null) {
        running.start(next.job(), next.slot(), now);
      } else if (next.job() != null) {
        askLedger(next.job().id(), new JobOp.Expire(JobAttempt.DEADLINE_PASSED), null); // late
      }
    }
    waiting.wakeAt(agents.nextRateWindow(now));
    return Behaviors.same();
  }

  private Behavior<Command> onFromAttempt(FromAttempt message) {
    JobAttempt.Report report = message.report();
    String jobId = report.jobId();
    if (report instanceof JobAttempt.JobChanged changed) {
      book.observe(changed.job());
    } else if (report instanceof JobAttempt.Feed feed) {
      book.publish(jobId, feed.event());
    } else if (report instanceof JobAttempt.ApprovalsChanged changed) {
      running.approvals().changed(changed);
    } else if (report instanceof JobAttempt.Ended ended) {
      attemptEnded(ended);
    }
    return Behaviors.same();
  }

  /** Frees the slot, takes the outcome in, passes on the cancels it missed, starts what fits. */
  private void attemptEnded(JobAttempt.Ended ended) {
    String jobId = ended.jobId();
    Job job = ended.job();
    running.ended(ended);
    if (job != null) {
      book.observe(job);
    } else if (ended instanceof JobAttempt.Recorded) {
      // refused: an earlier try was stored after all, its answer lost; take the job as it is
      askLedger(jobId, new JobOp.Get(), null);
    }
    if (ended instanceof JobAttempt.Recorded && job != null) {
      if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
        waiting.retryAt(jobId, job.retryAt());
      } else if (job.status() == JobStatus.QUEUED) {
        drain.released();
        enqueue(jobId); // released by a drain: queued again, started by the next run
      }
    } else if (ended instanceof JobAttempt.NotStarted && job == null && book.live(jobId) != null) {
      // the store did not answer: the job is still queued as far as it knows; try again later
      waiting.retryAt(jobId, settings.clock().instant().plus(settings.backoff().delay(0)));
    }
    // answered now the slot is free; one that missed the end asks the ledger (which says why)
    ended.cancels().forEach(job != null && job.status() == JobStatus.CANCELLED
        ? waiter -> waiter.tell(new JobReply.Current(job))
        : waiter -> askLedger(jobId, new JobOp.Cancel("cancelled by request"), waiter));
    startWhatFits();
    drain.tellIfDone(!running.isEmpty());
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    String jobId = cancel.jobId();
    if (!book.knows(jobId)) {
      cancel.replyTo().tell(new JobReply.NotFound(jobId));
    } else if (!running.cancel(jobId, cancel.replyTo())) {
      waiting.dequeue(jobId);
      waiting.stopRetry(jobId);
      askLedger(jobId, new JobOp.Cancel("cancelled by request"), cancel.replyTo());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDrain(Drain request) {
    if (drain.begin(request.replyTo())) {
      context.getLog().info("draining: no new jobs; {} attempt(s) running, {} queued stay queued",
          running.size(), waiting.queued());
    }
    // a person may not answer before the drain ends: give those attempts back now
    running.releaseAwaitingApproval("interrupted by shutdown while waiting for an approval: "
        + "requeued without spending an attempt; it asks again when it runs");
    drain.tellIfDone(!running.isEmpty());
    return Behaviors.same();
  }

  private Behavior<Command> onHandOff(HandOff handOff) {
    context.getLog().info("handing the shard off: releasing {} attempt(s)", running.size());
    onDrain(new Drain(context.messageAdapter(Drained.class, drained -> new HandedOff())));
    running.releaseAll("its shard moved to another node: requeued without spending an attempt");
    return Behaviors.same();
  }

  /** Applies {@code op}; the answer is taken in ({@link #onAnswered}) and passed to replyTo. */
  private void askLedger(String jobId, JobOp op, ActorRef<JobReply> replyTo) {
    // no ask: the ledger answers every op (see JobLedger), and a timer per op would stay in
    // the scheduler until it was due, long after the answer
    ledger.tell(new JobLedger.Apply(jobId, op, 0L, ledgerAnswers, replyTo));
  }
}
