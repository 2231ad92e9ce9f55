package io.workmate.jobs.dispatch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The scheduler of the job queue: it keeps the queued jobs in memory (priority, then submission
 * order), starts each on an agent that fits it and has room ({@link AgentSlots}: routing, each
 * agent's {@code maxConcurrent} and per-minute rate limit) as a {@link JobAttempt} child, which
 * runs the attempt and reports its outcome once; it schedules retries ({@code retryAt}) and
 * expires jobs whose deadline passed between attempts; it keeps the listing index and the
 * watchers ({@link JobBook}) and routes reviewers' answers to the attempt waiting on them
 * ({@link ApprovalRouting}). Every transition is journaled by its {@link JobLedger} child (which
 * group-commits them).
 *
 * <p>A queued job no live agent fits waits; a head job that cannot run does not hold back the ones
 * behind it that can. {@code Cancel} removes a queued job, interrupts a running one (through its
 * attempt), or stops a pending retry.
 *
 * <p>Recovery ({@link JobRecovery}, before any other work: commands meanwhile are stashed) takes
 * every job from the ledger, with the jobs cut short by the restart requeued; the dispatcher then
 * queues the queued ones in their original order and schedules the retries of the failed ones.
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
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  // ---- protocol ----

  public sealed interface Command {}

  /**
   * Submits a job (its id from {@link JobIds#forSpec}, so a repeated idempotency key reaches the
   * same job); answered with the entity's reply ({@link JobReply.Current} when accepted).
   */
  public record Submit(JobSpec spec, ActorRef<JobReply> replyTo) implements Command {}

  /** Cancels a job; answered with the entity's reply to {@link JobOp.Cancel}. */
  public record Cancel(String jobId, ActorRef<JobReply> replyTo) implements Command {}

  /** The job as the entity knows it ({@link JobReply.Current} or {@code NotFound}). */
  public record Get(String jobId, ActorRef<JobReply> replyTo) implements Command {}

  /** The job's recent transitions ({@link JobReply.History} or {@code NotFound}). */
  public record GetHistory(String jobId, ActorRef<JobReply> replyTo) implements Command {}

  /** Gives a dead job a fresh set of attempts; answered with the entity's reply. */
  public record Retry(String jobId, ActorRef<JobReply> replyTo) implements Command {}

  /**
   * A page of jobs in submission order, oldest first.
   *
   * @param status only jobs in this status, or null for all
   * @param limit at most this many (1..1000)
   * @param after start after this job id (the previous page's {@code next}), or null
   */
  public record ListJobs(JobStatus status, int limit, String after, ActorRef<JobPage> replyTo)
      implements Command {}

  /** @param next the {@code after} of the next page, or null when this is the last one */
  public record JobPage(List<JobSummary> jobs, String next) {}

  /**
   * Streams the job's {@link JobFeed} to {@code watcher}: first its current status, then every
   * change and item, then {@link JobFeed.End}. The watch ends when the watcher stops.
   */
  public record Watch(String jobId, ActorRef<JobFeed> watcher) implements Command {}

  /** The approvals that running jobs wait on, oldest first. */
  public record ListApprovals(ActorRef<List<JobApproval>> replyTo) implements Command {}

  /** An approval a job waits on. */
  public record JobApproval(String jobId, int attempt, PendingApproval approval) {}

  /** Answers an approval ({@link #ListApprovals}) of a waiting job. */
  public record DecideApproval(String approvalId, ApprovalDecision decision,
      ActorRef<ApprovalAnswer> replyTo) implements Command {}

  /** The answer to {@link DecideApproval}. */
  public sealed interface ApprovalAnswer {
    /** The agent took the decision; the job runs on. */
    record Done(String jobId, String approvalId) implements ApprovalAnswer {}

    /** No job waits on this approval (never, or not any more): HTTP 404. */
    record NotFound(String approvalId) implements ApprovalAnswer {}

    /** The agent could not take it (the turn ended meanwhile): HTTP 409. */
    record Refused(String approvalId, String message) implements ApprovalAnswer {}
  }

  /**
   * Tells {@code subscriber} every job that reaches a terminal status from then on, once (the
   * service turns them into memory summaries).
   */
  public record SubscribeFinished(ActorRef<Finished> subscriber) implements Command {}

  /**
   * A job that reached a terminal status, with the kind of the agent it last ran on (null when
   * it never ran, or that agent is gone).
   */
  public record Finished(Job job, AgentKind agentKind) {}

  /** Counts for metrics and health: answered with {@link Stats}. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /**
   * @param byStatus jobs known in each status (every status present, zero included)
   * @param queuedByPriority queued jobs per priority
   * @param runningByAgent attempts in progress per agent
   * @param recovering whether the queue is still being rebuilt from the journal
   * @param draining whether it stopped admitting and starting jobs ({@link Drain})
   */
  public record Stats(Map<JobStatus, Long> byStatus, Map<Integer, Integer> queuedByPriority,
      Map<String, Integer> runningByAgent, boolean recovering, boolean draining) {

    /** Attempts in progress on all agents. */
    public int running() {
      return runningByAgent.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Jobs waiting in the queue, all priorities. */
    public int queued() {
      return queuedByPriority.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Stops taking work so the service can stop: submits are refused ({@link #DRAINING}), no
   * queued job starts (queued jobs stay queued in the journal), and an attempt waiting for a
   * person's approval is released at once ({@link JobOp.Release}). Running attempts go on;
   * {@code replyTo} hears {@link Drained} once none is left. There is no way back: a drained
   * dispatcher is about to stop.
   */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  /** No attempt is in progress any more (see {@link Drain}). */
  public record Drained(int released) {}

  /**
   * The drain's time is up: interrupt every running attempt and release it
   * ({@link JobOp.Release}: requeued without spending an attempt, with {@code reason}).
   */
  public record ReleaseRunning(String reason) implements Command {}

  /**
   * A test hook: blocks the dispatcher's thread for {@code duration}, as a bug in a handler
   * would, so the service's watchdog can be seen to stop. Only reachable through the HTTP API
   * when {@code workmate.service.test-hooks} is on.
   */
  public record Stall(Duration duration) implements Command {}

  /**
   * The agents jobs can run on now (replacing the previous set). Jobs queued for an agent that
   * is gone stay queued until an agent that fits them comes (back).
   */
  public record AgentsChanged(List<AgentHandle> agents) implements Command {}

  /** What the dispatcher holds in memory right now, for tests and health checks. */
  public record GetQueue(ActorRef<QueueState> replyTo) implements Command {}

  /**
   * @param queued queued job ids in the order they will start
   * @param running job ids with an attempt in progress
   * @param retrying failed job ids waiting for their {@code retryAt}
   */
  public record QueueState(List<String> queued, Set<String> running, Set<String> retrying) {}

  /** The ledger's answer to an op passed on for a caller ({@code reply} null: not stored). */
  private record Answered(String jobId, JobReply reply, String failure,
      ActorRef<JobReply> replyTo) implements Command {}

  private record WatchAnswered(String jobId, ActorRef<JobFeed> watcher, JobReply reply)
      implements Command {}

  private record WatcherGone(String jobId, ActorRef<JobFeed> watcher) implements Command {}

  /** The answer to an op the dispatcher sent on its own (an expiry). */
  private record Observed(String jobId, JobReply reply) implements Command {}

  private record FromAttempt(JobAttempt.Report report) implements Command {}

  private record Recovered(List<Job> jobs) implements Command {}

  private record RetryDue(String jobId) implements Command {}

  private record DeadlineDue(String jobId) implements Command {}

  private record RateWindowOpened() implements Command {}

  // ---- settings ----

  /**
   * @param backoff the delay before attempt n+1 is {@code backoff.delay(n - 1)}
   * @param clock stamps the job events and computes {@code retryAt} and deadlines
   * @param metrics where the dispatcher's meters go ({@link JobMetrics})
   * @param agents the agents at start (more come and go with {@link AgentsChanged})
   * @param defaultAgent the agent of jobs that name neither an agent nor capabilities (by
   *     default the first of {@code agents}); null: any agent
   * @param ledger the name of the {@link JobLedger} the jobs are journaled in
   * @param ledgerWriteInterval the least time between two journal writes of the ledger
   *     ({@link JobLedger#DEFAULT_WRITE_INTERVAL}); zero: each as soon as the last one ended
   */
  public record Settings(Backoff backoff, Clock clock, MeterRegistry metrics,
      List<AgentHandle> agents, String defaultAgent, String ledger,
      Duration ledgerWriteInterval) {

    /** The name of the ledger unless told otherwise: one dispatcher per journal. */
    public static final String DEFAULT_LEDGER = "jobs";

    public Settings {
      Objects.requireNonNull(backoff, "backoff");
      Objects.requireNonNull(ledger, "ledger");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(metrics, "metrics");
      Objects.requireNonNull(ledgerWriteInterval, "ledgerWriteInterval");
      if (ledgerWriteInterval.isNegative()) {
        throw new IllegalArgumentException(
            "ledgerWriteInterval must not be negative: " + ledgerWriteInterval);
      }
      agents = List.copyOf(agents);
    }

    /** The first of {@code agents} is the default agent. */
    public Settings(Backoff backoff, Clock clock, MeterRegistry metrics,
        List<AgentHandle> agents) {
      this(backoff, clock, metrics, agents,
          agents.isEmpty() ? null : agents.get(0).id(), DEFAULT_LEDGER,
          JobLedger.DEFAULT_WRITE_INTERVAL);
    }

    /** On the system clock. */
    public static Settings of(Backoff backoff, List<AgentHandle> agents, MeterRegistry metrics) {
      return new Settings(backoff, Clock.systemUTC(), metrics, agents);
    }

    /** As {@link #of(Backoff, List, MeterRegistry)} with meters nobody reads. */
    public static Settings of(Backoff backoff, List<AgentHandle> agents) {
      return of(backoff, agents, new SimpleMeterRegistry());
    }

    public Settings withClock(Clock newClock) {
      return new Settings(backoff, newClock, metrics, agents, defaultAgent, ledger,
          ledgerWriteInterval);
    }

    /**
     * The agent a job naming neither an agent nor capabilities runs on, by id: it may come
     * later ({@link AgentsChanged}); null: any agent.
     */
    public Settings withDefaultAgent(String agentId) {
      return new Settings(backoff, clock, metrics, agents, agentId, ledger,
          ledgerWriteInterval);
    }

    /**
     * The ledger the jobs are journaled in ({@link JobLedger}), by name: a dispatcher finds the
     * jobs of an earlier run under the same name; two live dispatchers must not share one.
     */
    public Settings withLedger(String name) {
      return new Settings(backoff, clock, metrics, agents, defaultAgent, name,
          ledgerWriteInterval);
    }

    /** The least time between two journal writes of the ledger (zero: no pause). */
    public Settings withLedgerWriteInterval(Duration interval) {
      return new Settings(backoff, clock, metrics, agents, defaultAgent, ledger, interval);
    }
  }

  public static Behavior<Command> create(Settings settings) {
    Objects.requireNonNull(settings, "settings");
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        STASH_CAPACITY,
        stash -> new JobDispatcher(context, timers, stash, settings).starting())));
  }


  // ---- state ----

  /** An attempt in progress: its actor and the agent it holds a slot of. */
  private record Attempt(ActorRef<JobAttempt.Command> ref, AgentSlot slot) {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final Settings settings;
  private final JobMetrics metrics;
  private final ActorRef<JobLedger.Command> ledger;
  private final ActorRef<JobAttempt.Report> attemptReports;
  private final AgentSlots agents;
  private final JobBook<Command> book;
  private final JobQueue queue = new JobQueue();
  private final ApprovalRouting approvals = new ApprovalRouting();
  private final Map<String, Attempt> running = new HashMap<>();
  private final Set<String> retrying = new HashSet<>();
  private final Set<String> deadlinesScheduled = new HashSet<>();
  private long attemptsStarted;
  private boolean rateWakeScheduled;
  private boolean draining;
  private ActorRef<Drained> drainWaiter;
  private int released;

  private JobDispatcher(ActorContext<Command> context, TimerScheduler<Command> timers,
      StashBuffer<Command> stash, Settings settings) {
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.settings = settings;
    this.metrics = new JobMetrics(settings.metrics());
    this.agents = new AgentSlots(settings.agents(), settings.defaultAgent());
    this.book = new JobBook<>(context, metrics, WatcherGone::new, agents::kindOf);
    this.attemptReports = context.messageAdapter(JobAttempt.Report.class, FromAttempt::new);
    // a ledger that failed on a bug starts again; the asks it held time out as not stored
    this.ledger = context.spawn(Behaviors.supervise(
        JobLedger.create(settings.ledger(), settings.clock(), settings.ledgerWriteInterval()))
            .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200),
                Duration.ofSeconds(5), 0.2)), "ledger");
  }

  private Behavior<Command> starting() {
    context.spawn(JobRecovery.create(ledger,
        context.messageAdapter(JobRecovery.Recovered.class, r -> new Recovered(r.jobs()))),
        "recovery");
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, this::onRecovered)
        .onMessage(GetStats.class, get -> onGetStats(get, true))
        .onMessage(Drain.class, this::onDrain) // at once: it must hold back what recovery starts
        .onAnyMessage(this::stashWhileRecovering)
        .build();
  }

  private Behavior<Command> scheduling() {
    return Behaviors.receive(Command.class)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Retry.class, retry -> passOn(retry.jobId(), retry.replyTo(), new JobOp.Retry()))
        .onMessage(Get.class, get -> passOn(get.jobId(), get.replyTo(), new JobOp.Get()))
        .onMessage(GetHistory.class,
            get -> passOn(get.jobId(), get.replyTo(), new JobOp.GetHistory()))
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(Observed.class, this::onObserved)
        .onMessage(ListJobs.class, this::onListJobs)
        .onMessage(Watch.class, this::onWatch)
        .onMessage(WatchAnswered.class, this::onWatchAnswered)
        .onMessage(WatcherGone.class, gone -> {
          book.watcherGone(gone.jobId(), gone.watcher());
          return Behaviors.same();
        })
        .onMessage(ListApprovals.class, list -> {
          list.replyTo().tell(approvals.pending());
          return Behaviors.same();
        })
        .onMessage(DecideApproval.class, this::onDecideApproval)
        .onMessage(GetQueue.class, get -> {
          get.replyTo().tell(new QueueState(queue.inStartOrder(), Set.copyOf(running.keySet()),
              Set.copyOf(retrying)));
          return Behaviors.same();
        })
        .onMessage(GetStats.class, get -> onGetStats(get, false))
        .onMessage(AgentsChanged.class, changed -> {
          agents.replaceAll(changed.agents());
          return startWhatFits();
        })
        .onMessage(SubscribeFinished.class, subscribe -> {
          book.subscribe(subscribe.subscriber());
          return Behaviors.same();
        })
        .onMessage(FromAttempt.class, this::onFromAttempt)
        .onMessage(RetryDue.class, this::onRetryDue)
        .onMessage(DeadlineDue.class, this::onDeadlineDue)
        .onMessage(RateWindowOpened.class, opened -> {
          rateWakeScheduled = false;
          return startWhatFits();
        })
        .onMessage(Drain.class, this::onDrain)
        .onMessage(ReleaseRunning.class, release -> {
          running.values().forEach(attempt ->
              attempt.ref().tell(new JobAttempt.Release(release.reason())));
          return Behaviors.same();
        })
        .onMessage(Stall.class, this::onStall)
        .build();
  }

  // ---- recovery ----

  private Behavior<Command> stashWhileRecovering(Command command) {
    if (!stash.isFull()) {
      stash.stash(command);
      return Behaviors.same();
    }
    JobReply refused = new JobReply.Rejected(UNAVAILABLE,
        "the job queue is still being recovered; try again");
    ActorRef<JobReply> replyTo = command instanceof Submit c ? c.replyTo()
        : command instanceof Cancel c ? c.replyTo()
        : command instanceof Get c ? c.replyTo()
        : command instanceof GetHistory c ? c.replyTo()
        : command instanceof Retry c ? c.replyTo() : null;
    if (replyTo != null) {
      replyTo.tell(refused);
    } else {
      context.getLog().warn("recovery: dropped {} (the stash is full)", command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRecovered(Recovered recovered) {
    for (Job job : recovered.jobs()) {
      book.recovered(job); // in submission order, as the ledger lists them
      approvals.noteWithdrawn(job);
      if (job.status().isTerminal()) {
        continue;
      }
      scheduleDeadline(job);
      switch (job.status()) {
        case QUEUED -> enqueue(job.id());
        case FAILED -> {
          if (job.retryAt() != null) {
            scheduleRetry(job.id(), job.retryAt());
          }
        }
        default -> context.getLog().error("recovery: job {} is {} and could not be requeued",
            job.id(), job.status());
      }
    }
    metrics.statusCounts(book.counts());
    context.getLog().info("recovery: done; {} queued, {} waiting to retry", queue.size(),
        retrying.size());
    startWhatFits();
    tellIfDrained();
    return stash.unstashAll(scheduling());
  }

  // ---- submit, get, list, watch ----

  private Behavior<Command> onSubmit(Submit submit) {
    JobSpec spec = submit.spec();
    if (draining) {
      submit.replyTo().tell(new JobReply.Rejected(DRAINING, "the service is stopping and takes "
          + "no new jobs; submit again once it is back"));
    } else if (!agents.anyFits(spec)) {
      submit.replyTo().tell(new JobReply.Rejected(NO_MATCHING_AGENT, agents.noAgentMessage(spec)));
    } else {
      askLedger(JobIds.forSpec(spec), new JobOp.Submit(spec), submit.replyTo());
    }
    return Behaviors.same();
  }

  /** Passes an op on to the ledger; its answer comes back through the dispatcher. */
  private Behavior<Command> passOn(String jobId, ActorRef<JobReply> replyTo, JobOp op) {
    if (!isValidId(jobId) || !book.knows(jobId)) {
      replyTo.tell(new JobReply.NotFound(jobId));
    } else {
      askLedger(jobId, op, replyTo);
    }
    return Behaviors.same();
  }

  /** Takes the answer in (a job now queued is queued here too) and passes it on. */
  private Behavior<Command> onAnswered(Answered answered) {
    JobReply reply = answered.reply() != null ? answered.reply()
        : new JobReply.Rejected(UNAVAILABLE,
            "the job store did not answer: " + answered.failure());
    if (reply instanceof JobReply.Current current) {
      observe(current.job());
      if (current.job().status() == JobStatus.QUEUED) {
        enqueue(current.job().id()); // a submit or a retry; a no-op when it is queued already
      }
    }
    answered.replyTo().tell(reply);
    return startWhatFits();
  }

  private Behavior<Command> onListJobs(ListJobs list) {
    int limit = Math.max(1, Math.min(MAX_PAGE, list.limit()));
    JobIndex.Page page = book.index().page(list.status(), limit, list.after());
    list.replyTo().tell(new JobPage(page.jobs(), page.next()));
    return Behaviors.same();
  }

  private Behavior<Command> onGetStats(GetStats get, boolean recovering) {
    get.replyTo().tell(new Stats(book.counts(), queue.depthByPriority(),
        agents.runningByAgent(), recovering, draining));
    return Behaviors.same();
  }

  private Behavior<Command> onWatch(Watch watch) {
    String jobId = watch.jobId();
    Job live = book.live(jobId);
    if (!isValidId(jobId) || !book.knows(jobId)) {
      watch.watcher().tell(new JobFeed.End(jobId, null));
    } else if (live != null) {
      book.watch(live, watch.watcher());
    } else { // terminal: the ledger has the final state
      LedgerAsk.ask(context, ledger, jobId, new JobOp.Get(),
          (reply, failure) -> new WatchAnswered(jobId, watch.watcher(), reply));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onWatchAnswered(WatchAnswered answered) {
    if (answered.reply() instanceof JobReply.Current current) {
      answered.watcher().tell(new JobFeed.Status(current.job()));
      answered.watcher().tell(new JobFeed.End(answered.jobId(), current.job()));
    } else {
      answered.watcher().tell(new JobFeed.End(answered.jobId(), null));
    }
    return Behaviors.same();
  }

  /** Takes in a job as the ledger answered it ({@link JobBook#observe}), and its deadline. */
  private void observe(Job job) {
    if (!book.observe(job)) {
      return;
    }
    approvals.noteWithdrawn(job);
    if (!job.status().isTerminal()) {
      scheduleDeadline(job);
    } else if (deadlinesScheduled.remove(job.id())) {
      timers.cancel(deadlineKey(job.id()));
    }
  }

  private Behavior<Command> onObserved(Observed observed) {
    if (observed.reply() instanceof JobReply.Current current) {
      observe(current.job());
    } else if (observed.reply() != null) {
      context.getLog().debug("job {}: {}", observed.jobId(), observed.reply());
    }
    return Behaviors.same();
  }

  // ---- the queue and the attempts ----

  /** Queues the job within its priority at its submission order (its place in the index). */
  private void enqueue(String jobId) {
    Job job = book.live(jobId);
    if (job == null || running.containsKey(jobId)) {
      return;
    }
    Long order = book.index().orderOf(jobId);
    JobQueue.Entry entry = new JobQueue.Entry(jobId, job.spec().priority(),
        order != null ? order : book.index().nextOrder(), JobQueue.Route.of(job.spec()));
    if (queue.add(entry)) {
      metrics.queueDepth(entry.priority(), queue.depth(entry.priority()));
    }
  }

  private boolean dequeue(String jobId) {
    JobQueue.Entry entry = queue.remove(jobId);
    if (entry != null) {
      metrics.queueDepth(entry.priority(), queue.depth(entry.priority()));
    }
    return entry != null;
  }

  /**
   * Starts queued jobs while an agent that fits one has room: each time the first job, in start
   * order, among the heads of the routes. A draining dispatcher starts none (they stay queued for
   * the next start of the service).
   */
  private Behavior<Command> startWhatFits() {
    if (draining) {
      return Behaviors.same();
    }
    Instant now = settings.clock().instant();
    while (!queue.isEmpty() && agents.anyFree(now) && startNext(now)) {
      // one job started (or a stale head dropped) per round
    }
    Instant wake = queue.isEmpty() || rateWakeScheduled ? null : agents.nextRateWindow(now);
    if (wake != null) {
      rateWakeScheduled = true;
      Duration delay = Duration.between(now, wake).plusMillis(1);
      timers.startSingleTimer("rate-window", new RateWindowOpened(),
          delay.isNegative() ? Duration.ZERO : delay);
    }
    return Behaviors.same();
  }

  /** Starts (or drops) one head; false when no head can start now. */
  private boolean startNext(Instant now) {
    for (JobQueue.Entry head : queue.heads()) {
      Job job = book.live(head.jobId());
      AgentSlot slot = job == null ? null : agents.pick(job.spec(), now);
      if (job == null) {
        dequeue(head.jobId());
        return true;
      }
      if (job.spec().deadline() != null && !job.spec().deadline().isAfter(now)) {
        // its deadline timer may not have fired yet: never start a job that is already late
        dequeue(head.jobId());
        expire(job.id());
        return true;
      }
      if (slot != null) {
        dequeue(head.jobId());
        slot.started(now);
        ActorRef<JobAttempt.Command> attempt = context.spawn(JobAttempt.create(job.id(),
            job.spec(), slot.handle(), ledger, settings.clock(), settings.backoff(),
            attemptReports), "attempt-" + (++attemptsStarted));
        running.put(job.id(), new Attempt(attempt, slot));
        metrics.running(running.size());
        return true;
      }
    }
    return false;
  }

  private Behavior<Command> onFromAttempt(FromAttempt message) {
    JobAttempt.Report report = message.report();
    String jobId = report.jobId();
    if (report instanceof JobAttempt.JobChanged changed) {
      observe(changed.job());
    } else if (report instanceof JobAttempt.Feed feed) {
      book.publish(jobId, feed.event());
    } else if (report instanceof JobAttempt.ApprovalsChanged changed) {
      approvals.changed(changed);
    } else if (report instanceof JobAttempt.NotStarted notStarted) {
      context.getLog().info("job {}: not started: {}", jobId, notStarted.why());
      attemptEnded(jobId, notStarted.cancels());
      if (notStarted.job() != null) {
        observe(notStarted.job());
      } else if (book.live(jobId) != null) {
        // the store did not answer: the job is still queued as far as it knows; try again later
        scheduleRetry(jobId, settings.clock().instant().plus(settings.backoff().delay(0)));
      }
    } else if (report instanceof JobAttempt.Recorded recorded) {
      attemptEnded(jobId, recorded.cancels());
      metrics.attemptEnded(recorded.outcome(), recorded.ran());
      if (recorded.reply() instanceof JobReply.Current current) {
        Job job = current.job();
        observe(job);
        if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
          scheduleRetry(jobId, job.retryAt());
        } else if (job.status() == JobStatus.QUEUED) {
          released++;
          enqueue(jobId); // released by a drain: queued again, started by the next run
        }
      } else {
        context.getLog().warn("job {}: outcome not recorded: {}", jobId, recorded.reply());
      }
    }
    if (report instanceof JobAttempt.NotStarted || report instanceof JobAttempt.Recorded) {
      startWhatFits();
      tellIfDrained();
    }
    return Behaviors.same();
  }

  /** Frees the attempt's slot; the cancels it did not answer go to the ledger as they are. */
  private void attemptEnded(String jobId, List<ActorRef<JobReply>> cancels) {
    Attempt attempt = running.remove(jobId);
    if (attempt != null) {
      attempt.slot().ended();
    }
    approvals.forget(jobId);
    metrics.running(running.size());
    cancels.forEach(waiter -> askLedger(jobId, new JobOp.Cancel("cancelled by request"), waiter));
  }

  // ---- retries, deadlines, cancel ----

  private void scheduleRetry(String jobId, Instant retryAt) {
    retrying.add(jobId);
    Duration delay = Duration.between(settings.clock().instant(), retryAt);
    timers.startSingleTimer(retryKey(jobId), new RetryDue(jobId),
        delay.isNegative() ? Duration.ZERO : delay);
  }

  private Behavior<Command> onRetryDue(RetryDue due) {
    if (retrying.remove(due.jobId())) {
      enqueue(due.jobId());
      startWhatFits();
    }
    return Behaviors.same();
  }

  /** Expires the job when its deadline passes queued or between attempts (an attempt's own). */
  private void scheduleDeadline(Job job) {
    Instant deadline = job.spec().deadline();
    if (deadline == null || !deadlinesScheduled.add(job.id())) {
      return;
    }
    Duration delay = Duration.between(settings.clock().instant(), deadline);
    timers.startSingleTimer(deadlineKey(job.id()), new DeadlineDue(job.id()),
        delay.isNegative() ? Duration.ZERO : delay);
  }

  private Behavior<Command> onDeadlineDue(DeadlineDue due) {
    String jobId = due.jobId();
    deadlinesScheduled.remove(jobId);
    if (!running.containsKey(jobId) && (dequeue(jobId) | stopRetry(jobId))) {
      expire(jobId);
    }
    return Behaviors.same();
  }

  private void expire(String jobId) {
    LedgerAsk.ask(context, ledger, jobId, new JobOp.Expire("the job's deadline passed"),
        (reply, failure) -> new Observed(jobId, reply));
  }

  private boolean stopRetry(String jobId) {
    timers.cancel(retryKey(jobId));
    return retrying.remove(jobId);
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    String jobId = cancel.jobId();
    Attempt attempt = running.get(jobId);
    if (!isValidId(jobId) || !book.knows(jobId)) {
      cancel.replyTo().tell(new JobReply.NotFound(jobId));
    } else if (attempt != null) {
      attempt.ref().tell(new JobAttempt.Cancel(cancel.replyTo()));
    } else {
      dequeue(jobId);
      stopRetry(jobId);
      askLedger(jobId, new JobOp.Cancel("cancelled by request"), cancel.replyTo());
    }
    return Behaviors.same();
  }

  // ---- approvals and draining ----

  private Behavior<Command> onDecideApproval(DecideApproval decide) {
    String jobId = approvals.jobOf(decide.approvalId());
    Attempt attempt = jobId == null ? null : running.get(jobId);
    String withdrawn = jobId == null ? approvals.withdrawnMessage(decide.approvalId()) : null;
    if (attempt != null) {
      attempt.ref().tell(new JobAttempt.Decide(decide.approvalId(), decide.decision(),
          decide.replyTo()));
    } else if (withdrawn != null) {
      decide.replyTo().tell(new ApprovalAnswer.Refused(decide.approvalId(), withdrawn));
    } else {
      decide.replyTo().tell(new ApprovalAnswer.NotFound(decide.approvalId()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDrain(Drain drain) {
    if (!draining) {
      draining = true;
      context.getLog().info("draining: no new jobs; {} attempt(s) running, {} queued stay queued",
          running.size(), queue.size());
    }
    drainWaiter = drain.replyTo();
    // a person may not answer before the drain ends: give those attempts back now
    running.values().forEach(attempt -> attempt.ref().tell(new JobAttempt.ReleaseIfAwaitingApproval(
        "interrupted by shutdown while waiting for an approval: requeued without spending an "
            + "attempt; it asks again when it runs")));
    tellIfDrained();
    return Behaviors.same();
  }

  private void tellIfDrained() {
    if (draining && drainWaiter != null && running.isEmpty()) {
      drainWaiter.tell(new Drained(released));
      drainWaiter = null;
    }
  }

  /** Blocks the dispatcher's thread on purpose, as a bug would (see {@link Stall}). */
  private Behavior<Command> onStall(Stall stall) {
    context.getLog().warn("test hook: stalling the dispatcher for {}", stall.duration());
    long until = System.nanoTime() + stall.duration().toNanos();
    for (long left = stall.duration().toNanos(); left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    return Behaviors.same();
  }

  // ---- helpers ----

  /** Applies {@code op}; the answer is taken in ({@link #onAnswered}) and passed to replyTo. */
  private void askLedger(String jobId, JobOp op, ActorRef<JobReply> replyTo) {
    LedgerAsk.ask(context, ledger, jobId, op,
        (reply, failure) -> new Answered(jobId, reply, failure, replyTo));
  }

  private static boolean isValidId(String jobId) {
    return jobId != null && VALID_ID.matcher(jobId).matches();
  }

  private static String retryKey(String jobId) {
    return "retry|" + jobId;
  }

  private static String deadlineKey(String jobId) {
    return "deadline|" + jobId;
  }
}
