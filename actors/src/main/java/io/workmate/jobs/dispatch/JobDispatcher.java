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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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
 * The scheduler of the job queue. It records every job's transitions in its {@link JobLedger}
 * child (which group-commits them, many jobs' transitions per journal write), keeps the queued jobs in memory ordered by priority (higher first) and then by submission
 * order, and starts each on an agent ({@link Agent} protocol) that fits it and has room:
 *
 * <ul>
 *   <li><b>Routing:</b> a job naming an agent runs on that agent (which must also offer the
 *       job's capabilities); a job naming capabilities runs on the least busy agent offering all
 *       of them; a job naming neither runs on the default agent (the first one given at start).
 *       A queued job no live agent fits waits; a head job that cannot run does not hold back the
 *       ones behind it that can.</li>
 *   <li><b>Limits:</b> each agent's {@code maxConcurrent} attempts at once and
 *       {@code rateLimitPerMinute} starts in any 60 s window.</li>
 *   <li><b>An attempt:</b> {@code Start} → {@link Agent.Invoke} → the agent's updates (items and
 *       approvals go to the job's watchers, approvals also to the entity as
 *       {@code waiting_approval}) → {@code Succeed}, or {@code FailAttempt} with
 *       {@code retryAt = now + backoff.delay(attempts - 1)} while attempts are left and the
 *       deadline allows (else {@code null}: dead). An attempt running past
 *       {@code spec.timeoutSeconds} (or the job's deadline) is interrupted and failed.</li>
 *   <li><b>Cancel</b> removes a queued job, interrupts a running one, or stops a pending
 *       retry.</li>
 * </ul>
 *
 * <p>Recovery: it first takes every job from its {@link JobLedger} once the ledger has recovered
 * them from the journal ({@link JobLedger.GetJobs}, in submission order), fills the listing index
 * and, before taking new work (commands that arrive meanwhile are stashed): queues the jobs last
 * {@code queued} in their original order, requeues the jobs last {@code running}/{@code waiting_approval}
 * ({@link JobOp.Requeue}: the cut-short attempt stays counted, or the job goes dead if it was
 * the last), and schedules the retry of the jobs last {@code failed}.
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

  /**
   * The wait before an attempt's outcome is sent again when the journal did not store it,
   * doubled per try up to {@link #RECORD_AGAIN_MAX}. It is sent until it is stored: given up
   * (after 5 tries, as it was), a disk full for longer than 10 s left the job running in the
   * journal and the listing until the next restart.
   */
  private static final Duration RECORD_AGAIN_AFTER = Duration.ofSeconds(2);
  /** Short, so a job's outcome is stored soon after the disk has room again; a try is cheap. */
  private static final Duration RECORD_AGAIN_MAX = Duration.ofSeconds(10);
  /** After an interrupt, how long the agent may take to end the invocation before it is dropped. */
  private static final Duration ABANDON_AFTER = Duration.ofSeconds(30);
  private static final Duration DECIDE_TIMEOUT = Duration.ofSeconds(30);
  /** An op the ledger has not answered after this counts as not stored. */
  private static final Duration LEDGER_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(5);
  /** Commands held while the queue is rebuilt; beyond this they are refused. */
  private static final int STASH_CAPACITY = 10_000;
  private static final Duration RECOVERY_READ_RETRY = Duration.ofSeconds(2);
  /** How long the ledger may take to replay the journal before it is asked again. */
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);
  private static final int RECOVERY_TRIES = 3;
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

  private record Submitted(String jobId, JobReply reply, String failure,
      ActorRef<JobReply> replyTo) implements Command {}

  /** An entity's answer to a command the dispatcher passed on for a caller (may be null). */
  private record EntityAnswered(String jobId, JobReply reply, String failure,
      ActorRef<JobReply> replyTo, boolean retry) implements Command {}

  private record StartAnswered(String jobId, long token, JobReply reply, String failure)
      implements Command {}

  private record FromAgent(Agent.Update update) implements Command {}

  private record AttemptTimedOut(String jobId, long token) implements Command {}

  private record AttemptAbandoned(String jobId, long token) implements Command {}

  private record OutcomeRecorded(String jobId, long token, String outcome, JobReply reply,
      String failure) implements Command {}

  private record RetryDue(String jobId) implements Command {}

  /** Stores the attempt's outcome again after the journal did not answer. */
  private record RecordAgain(String jobId, long token) implements Command {}

  private record DeadlineDue(String jobId) implements Command {}

  private record RateWindowOpened() implements Command {}

  private record LedgerAnswered(JobLedger.Answered answered) implements Command {}

  private record SweepUnanswered() implements Command {}

  private record WatchAnswered(String jobId, ActorRef<JobFeed> watcher, JobReply reply)
      implements Command {}

  private record WatcherGone(String jobId, ActorRef<JobFeed> watcher) implements Command {}

  private record DecisionAnswered(String approvalId, String jobId, Agent.Decided decided,
      ActorRef<ApprovalAnswer> replyTo) implements Command {}

  /** The answer to a transition the dispatcher made on its own (approvals, thread, expiry). */
  private record Observed(String jobId, JobReply reply) implements Command {}

  private record RecoveryLoaded(List<Job> jobs, String failure) implements Command {}

  private record RecoveryReadAgain() implements Command {}

  /** The answer to a recovery {@code Requeue} ({@code viaGet}: to the {@code Get} after it). */
  private record RecoveryAnswered(String jobId, int tries, boolean viaGet, JobReply reply,
      String failure) implements Command {}

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

  /** One attempt in progress. */
  private static final class Run {
    final String jobId;
    final JobSpec spec;
    final long token;
    final AgentSlot slot;
    int attempt;
    String invocationId;
    Instant startedAt;
    boolean timedOut;
    boolean deadlineHit;
    boolean interruptSent;
    boolean finishing;
    String outcome;
    JobOp outcomeCommand;
    int recordTries;
    /** The entity was told {@code waiting_approval} and not yet told the approval was answered. */
    boolean awaitingApproval;
    /** Set when the service stops: the attempt ends as released, not failed (a drain). */
    String releaseReason;
    /** The approval the attempt waited on when it was released: withdrawn with it. */
    String withdrawnApprovalId;
    final Map<String, PendingApproval> approvals = new LinkedHashMap<>();
    final List<ActorRef<JobReply>> cancelWaiters = new ArrayList<>();

    Run(String jobId, JobSpec spec, long token, AgentSlot slot) {
      this.jobId = jobId;
      this.spec = spec;
      this.token = token;
      this.slot = slot;
    }

    boolean cancelRequested() {
      return !cancelWaiters.isEmpty();
    }

    boolean invoked() {
      return invocationId != null;
    }
  }

  /** An op sent to the ledger: what to make of its answer, and when it was sent. */
  private record Awaiting(BiFunction<JobReply, String, Command> onAnswer, long sentAtNanos) {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final Settings settings;
  private final JobMetrics metrics;
  private final ActorRef<Agent.Update> agentUpdates;
  private final String defaultAgent;

  /** Agents by id, in id order (the least-busy pick is then deterministic). */
  private final Map<String, AgentSlot> slots = new TreeMap<>();
  private final ActorRef<JobLedger.Command> ledger;
  private final ActorRef<JobLedger.Answered> ledgerAnswers;
  /** What to make of the ledger's answer to each op sent, by ticket. */
  private final LinkedHashMap<Long, Awaiting> awaiting = new LinkedHashMap<>();
  private long tickets;
  /** The latest state of every job that is not terminal. */
  private final Map<String, Job> live = new HashMap<>();
  private final JobIndex index = new JobIndex();
  private final JobQueue queue = new JobQueue();
  private final Map<Integer, Integer> queuedByPriority = new HashMap<>();
  private final Map<String, Run> running = new HashMap<>();
  private final Map<String, String> jobOfInvocation = new HashMap<>();
  private final Map<String, String> jobOfApproval = new HashMap<>();
  private final Set<String> retrying = new HashSet<>();
  private final Set<String> deadlinesScheduled = new HashSet<>();
  private final Map<String, Set<ActorRef<JobFeed>>> watchers = new HashMap<>();
  private final Set<ActorRef<Finished>> finishedSubscribers = new HashSet<>();
  private boolean rateWakeScheduled;
  private long tokens;

  private final Set<String> recoveryPending = new HashSet<>();
  /** Approvals withdrawn by a release (a drain), with their job: a late answer names the new one. */
  private final Map<String, String> jobOfWithdrawnApproval = new HashMap<>();
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
    this.agentUpdates = context.messageAdapter(Agent.Update.class, FromAgent::new);
    this.defaultAgent = settings.defaultAgent();
    settings.agents().forEach(handle -> slots.put(handle.id(), new AgentSlot(handle)));
    // a ledger that failed on a bug starts again; the ops it held are swept as unanswered
    this.ledger = context.spawn(Behaviors.supervise(
        JobLedger.create(settings.ledger(), settings.clock(), settings.ledgerWriteInterval()))
            .onFailure(
            SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5),
                0.2)), "ledger");
    timers.startTimerWithFixedDelay("ledger-sweep", new SweepUnanswered(), SWEEP_EVERY);
    this.ledgerAnswers = context.messageAdapter(JobLedger.Answered.class, LedgerAnswered::new);
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Submitted.class, this::onSubmitted)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Retry.class, retry -> passOn(retry.jobId(), retry.replyTo(), true,
            new JobOp.Retry()))
        .onMessage(Get.class, get -> passOn(get.jobId(), get.replyTo(), false,
            new JobOp.Get()))
        .onMessage(GetHistory.class, get -> passOn(get.jobId(), get.replyTo(), false,
            new JobOp.GetHistory()))
        .onMessage(EntityAnswered.class, this::onEntityAnswered)
        .onMessage(ListJobs.class, this::onListJobs)
        .onMessage(Watch.class, this::onWatch)
        .onMessage(WatchAnswered.class, this::onWatchAnswered)
        .onMessage(WatcherGone.class, this::onWatcherGone)
        .onMessage(ListApprovals.class, this::onListApprovals)
        .onMessage(DecideApproval.class, this::onDecideApproval)
        .onMessage(DecisionAnswered.class, this::onDecisionAnswered)
        .onMessage(GetQueue.class, this::onGetQueue)
        .onMessage(GetStats.class, get -> {
          get.replyTo().tell(stats(false));
          return Behaviors.same();
        })
        .onMessage(AgentsChanged.class, this::onAgentsChanged)
        .onMessage(SubscribeFinished.class, subscribe -> {
          finishedSubscribers.add(subscribe.subscriber());
          return Behaviors.same();
        })
        .onMessage(StartAnswered.class, this::onStartAnswered)
        .onMessage(FromAgent.class, this::onFromAgent)
        .onMessage(AttemptTimedOut.class, this::onAttemptTimedOut)
        .onMessage(AttemptAbandoned.class, this::onAttemptAbandoned)
        .onMessage(OutcomeRecorded.class, this::onOutcomeRecorded)
        .onMessage(Observed.class, this::onObserved)
        .onMessage(RetryDue.class, this::onRetryDue)
        .onMessage(RecordAgain.class, this::onRecordAgain)
        .onMessage(DeadlineDue.class, this::onDeadlineDue)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(ReleaseRunning.class, this::onReleaseRunning)
        .onMessage(Stall.class, this::onStall)
        .onMessage(RateWindowOpened.class, opened -> {
          rateWakeScheduled = false;
          startWhatFits();
          return Behaviors.same();
        })
        .onMessage(LedgerAnswered.class, this::onLedgerAnswered)
        .onMessage(SweepUnanswered.class, this::onSweepUnanswered)
        .build();
  }

  // ---- recovery ----

  private Behavior<Command> starting() {
    askForRecoveredJobs();
    return Behaviors.receive(Command.class)
        .onMessage(RecoveryLoaded.class, this::onRecoveryLoaded)
        .onMessage(RecoveryReadAgain.class, again -> {
          askForRecoveredJobs();
          return Behaviors.same();
        })
        .onMessage(RecoveryAnswered.class, this::onRecoveryAnswered)
        .onMessage(GetStats.class, get -> {
          get.replyTo().tell(stats(true));
          return Behaviors.same();
        })
        // taken at once: a drain must hold back the jobs recovery would start
        .onMessage(Drain.class, this::onDrain)
        .onMessage(LedgerAnswered.class, this::onLedgerAnswered)
        .onMessage(SweepUnanswered.class, this::onSweepUnanswered)
        .onAnyMessage(this::stashWhileRecovering)
        .build();
  }

  /** The ledger answers once its shards have replayed the journal, however long that takes. */
  private void askForRecoveredJobs() {
    context.ask(JobLedger.AllJobs.class, ledger, RECOVERY_TIMEOUT,
        replyTo -> new JobLedger.GetJobs(RECOVERY_TIMEOUT, replyTo),
        (all, failure) -> all != null
            ? new RecoveryLoaded(all.jobs(), all.failure())
            : new RecoveryLoaded(null, String.valueOf(failure)));
  }

  private Behavior<Command> stashWhileRecovering(Command command) {
    if (!stash.isFull()) {
      stash.stash(command);
      return Behaviors.same();
    }
    JobReply refused = new JobReply.Rejected(UNAVAILABLE,
        "the job queue is still being recovered; try again");
    if (command instanceof Submit submit) {
      submit.replyTo().tell(refused);
    } else if (command instanceof Cancel cancel) {
      cancel.replyTo().tell(refused);
    } else if (command instanceof Get get) {
      get.replyTo().tell(refused);
    } else if (command instanceof GetHistory get) {
      get.replyTo().tell(refused);
    } else if (command instanceof Retry retry) {
      retry.replyTo().tell(refused);
    } else {
      context.getLog().warn("recovery: dropped {} (the stash is full)", command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRecoveryLoaded(RecoveryLoaded loaded) {
    if (loaded.jobs() == null) {
      context.getLog().warn("recovery: could not take the jobs from the ledger ({}), trying again"
          + " in {}", loaded.failure(), RECOVERY_READ_RETRY);
      timers.startSingleTimer("recovery-read", new RecoveryReadAgain(), RECOVERY_READ_RETRY);
      return Behaviors.same();
    }
    int queued = 0;
    int retryingCount = 0;
    for (Job job : loaded.jobs()) {
      index.put(JobSummary.of(job)); // in submission order, as the ledger lists them
      noteWithdrawnApproval(job);
      if (job.status().isTerminal()) {
        continue;
      }
      live.put(job.id(), job);
      scheduleDeadline(job.id(), job.spec());
      switch (job.status()) {
        case QUEUED -> {
          enqueue(job.id());
          queued++;
        }
        case FAILED -> {
          if (job.retryAt() != null) {
            scheduleRetry(job.id(), job.retryAt());
            retryingCount++;
          } else {
            recoveryPending.add(job.id());
            askRecovery(job.id(), 1, true, new JobOp.Get());
          }
        }
        default -> {
          // running or waiting for an approval when the service stopped
          recoveryPending.add(job.id());
          String reason = "the service restarted during attempt " + job.attempts();
          askRecovery(job.id(), 1, false, new JobOp.Requeue(reason));
        }
      }
    }
    metrics.statusCounts(index.counts());
    context.getLog().info("recovery: {} jobs: {} queued, {} waiting to retry, {} cut short by the"
        + " restart", loaded.jobs().size(), queued, retryingCount, recoveryPending.size());
    return recoveryPending.isEmpty() ? recovered() : Behaviors.same();
  }

  private void askRecovery(String jobId, int tries, boolean viaGet,
      JobOp command) {
    askLedger(jobId, command,
        (reply, failure) -> new RecoveryAnswered(jobId, tries, viaGet, reply, failure));
  }

  private Behavior<Command> onRecoveryAnswered(RecoveryAnswered answered) {
    String jobId = answered.jobId();
    if (!recoveryPending.contains(jobId)) {
      return Behaviors.same();
    }
    if (answered.reply() instanceof JobReply.Current current) {
      observe(current.job());
      adoptRecovered(current.job());
    } else if (answered.reply() instanceof JobReply.Rejected && !answered.viaGet()) {
      // its status is not the one its events said: take it as the entity has it
      askRecovery(jobId, answered.tries(), true, new JobOp.Get());
      return Behaviors.same();
    } else if (answered.reply() == null && answered.tries() < RECOVERY_TRIES) {
      context.getLog().warn("recovery: job {}: no answer ({}), asking again", jobId,
          String.valueOf(answered.failure()));
      askRecovery(jobId, answered.tries() + 1, true, new JobOp.Get());
      return Behaviors.same();
    } else {
      context.getLog().error("recovery: job {} left as it is: {}", jobId,
          answered.reply() != null ? answered.reply() : String.valueOf(answered.failure()));
    }
    recoveryPending.remove(jobId);
    return recoveryPending.isEmpty() ? recovered() : Behaviors.same();
  }

  /** Takes a job as its entity has it after recovery. */
  private void adoptRecovered(Job job) {
    switch (job.status()) {
      case QUEUED -> enqueue(job.id());
      case FAILED -> {
        if (job.retryAt() != null) {
          scheduleRetry(job.id(), job.retryAt());
        }
      }
      case RUNNING, WAITING_APPROVAL -> {
        // only when a Get answered after a refused Requeue: nothing sensible to do but say so
        context.getLog().error("recovery: job {} is {} and could not be requeued", job.id(),
            job.status());
      }
      default -> { }
    }
  }

  private Behavior<Command> recovered() {
    context.getLog().info("recovery: done; {} queued, {} waiting to retry", queue.size(),
        retrying.size());
    startWhatFits();
    tellIfDrained();
    return stash.unstashAll(behavior());
  }

  // ---- submit, get, list ----

  private Behavior<Command> onSubmit(Submit submit) {
    if (draining) {
      submit.replyTo().tell(new JobReply.Rejected(DRAINING, "the service is stopping and takes "
          + "no new jobs; submit again once it is back"));
      return Behaviors.same();
    }
    JobSpec spec = submit.spec();
    if (!anyAgentFits(spec)) {
      submit.replyTo().tell(new JobReply.Rejected(NO_MATCHING_AGENT, noAgentMessage(spec)));
      return Behaviors.same();
    }
    String jobId = JobIds.forSpec(spec);
    askLedger(jobId, new JobOp.Submit(spec),
        (reply, failure) -> new Submitted(jobId, reply, failure, submit.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onSubmitted(Submitted submitted) {
    if (submitted.reply() == null) {
      submitted.replyTo().tell(new JobReply.Rejected(UNAVAILABLE,
          "the job store did not answer: " + submitted.failure()));
      return Behaviors.same();
    }
    if (submitted.reply() instanceof JobReply.Current current) {
      Job job = current.job();
      boolean known = index.contains(job.id());
      observe(job);
      if (!known && job.status() == JobStatus.QUEUED) {
        enqueue(job.id());
      }
    }
    submitted.replyTo().tell(submitted.reply());
    startWhatFits();
    return Behaviors.same();
  }

  /** Passes a command on to the job's entity; the answer comes back through the dispatcher. */
  private Behavior<Command> passOn(String jobId, ActorRef<JobReply> replyTo,
      boolean retry, JobOp command) {
    if (!isValidId(jobId) || !index.contains(jobId)) {
      replyTo.tell(new JobReply.NotFound(jobId));
      return Behaviors.same();
    }
    askLedger(jobId, command,
        (reply, failure) -> new EntityAnswered(jobId, reply, failure, replyTo, retry));
    return Behaviors.same();
  }

  private Behavior<Command> onEntityAnswered(EntityAnswered answered) {
    JobReply reply = answered.reply() != null ? answered.reply()
        : new JobReply.Rejected(UNAVAILABLE,
            "the job store did not answer: " + answered.failure());
    if (reply instanceof JobReply.Current current) {
      observe(current.job());
      if (answered.retry() && current.job().status() == JobStatus.QUEUED) {
        enqueue(current.job().id());
        startWhatFits();
      }
    }
    answered.replyTo().tell(reply);
    return Behaviors.same();
  }

  private Behavior<Command> onListJobs(ListJobs list) {
    int limit = Math.max(1, Math.min(MAX_PAGE, list.limit()));
    JobIndex.Page page = index.page(list.status(), limit, list.after());
    list.replyTo().tell(new JobPage(page.jobs(), page.next()));
    return Behaviors.same();
  }

  private Behavior<Command> onGetQueue(GetQueue get) {
    get.replyTo().tell(new QueueState(queue.inStartOrder(),
        Set.copyOf(running.keySet()), Set.copyOf(retrying)));
    return Behaviors.same();
  }

  private Stats stats(boolean recovering) {
    Map<String, Integer> byAgent = new TreeMap<>();
    slots.values().forEach(slot -> byAgent.put(slot.id(), slot.running()));
    return new Stats(index.counts(), Map.copyOf(queuedByPriority), byAgent, recovering,
        draining);
  }

  // ---- watching ----

  private Behavior<Command> onWatch(Watch watch) {
    String jobId = watch.jobId();
    if (!isValidId(jobId) || !index.contains(jobId)) {
      watch.watcher().tell(new JobFeed.End(jobId, null));
      return Behaviors.same();
    }
    Job current = live.get(jobId);
    if (current != null) {
      addWatcher(jobId, watch.watcher());
      watch.watcher().tell(new JobFeed.Status(current));
      return Behaviors.same();
    }
    // terminal: its entity has the final state
    askLedger(jobId, new JobOp.Get(),
        (reply, failure) -> new WatchAnswered(jobId, watch.watcher(), reply));
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

  private void addWatcher(String jobId, ActorRef<JobFeed> watcher) {
    Set<ActorRef<JobFeed>> forJob = watchers.computeIfAbsent(jobId, id -> new HashSet<>());
    if (forJob.add(watcher)) {
      context.watchWith(watcher, new WatcherGone(jobId, watcher));
    }
  }

  private Behavior<Command> onWatcherGone(WatcherGone gone) {
    Set<ActorRef<JobFeed>> forJob = watchers.get(gone.jobId());
    if (forJob != null) {
      forJob.remove(gone.watcher());
      if (forJob.isEmpty()) {
        watchers.remove(gone.jobId());
      }
    }
    return Behaviors.same();
  }

  private void publish(String jobId, JobFeed event) {
    Set<ActorRef<JobFeed>> forJob = watchers.get(jobId);
    if (forJob != null) {
      forJob.forEach(watcher -> watcher.tell(event));
    }
  }

  /**
   * Takes in a job as its entity answered it: the listing index, the live set, the meters, the
   * deadline timer and the watchers (the status, and the end once terminal).
   */
  private void observe(Job job) {
    JobSummary previous = index.get(job.id());
    if (previous != null && previous.updatedAt() != null && job.updatedAt() != null
        && job.updatedAt().isBefore(previous.updatedAt())) {
      return; // an older answer overtaken by a newer one
    }
    boolean changed = previous == null || previous.status() != job.status()
        || previous.attempts() != job.attempts()
        || !Objects.equals(previous.updatedAt(), job.updatedAt());
    index.put(JobSummary.of(job));
    noteWithdrawnApproval(job);
    if (previous != null && previous.status() != job.status()) {
      metrics.statusCount(previous.status(), index.count(previous.status()));
    }
    metrics.statusCount(job.status(), index.count(job.status()));
    if (job.status().isTerminal()) {
      boolean wasLive = live.remove(job.id()) != null;
      if (deadlinesScheduled.remove(job.id())) {
        timers.cancel(deadlineKey(job.id()));
      }
      if (wasLive || (previous != null && !previous.status().isTerminal())) {
        metrics.jobFinished(Duration.between(job.createdAt(), job.updatedAt()));
        if (!finishedSubscribers.isEmpty()) {
          AgentSlot slot = job.agent() == null ? null : slots.get(job.agent());
          Finished finished =
              new Finished(job, slot == null ? null : slot.handle().profile().kind());
          finishedSubscribers.forEach(subscriber -> subscriber.tell(finished));
        }
      }
    } else {
      live.put(job.id(), job);
      scheduleDeadline(job.id(), job.spec());
    }
    if (changed) {
      publish(job.id(), new JobFeed.Status(job));
    }
    if (job.status().isTerminal()) {
      Set<ActorRef<JobFeed>> forJob = watchers.remove(job.id());
      if (forJob != null) {
        forJob.forEach(watcher -> {
          watcher.tell(new JobFeed.End(job.id(), job));
          context.unwatch(watcher);
        });
      }
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

  // ---- agents ----

  private Behavior<Command> onAgentsChanged(AgentsChanged changed) {
    Map<String, AgentSlot> next = new TreeMap<>();
    for (AgentHandle handle : changed.agents()) {
      AgentSlot slot = slots.get(handle.id());
      if (slot != null) {
        slot.replace(handle);
      } else {
        slot = new AgentSlot(handle);
      }
      next.put(handle.id(), slot);
    }
    slots.clear();
    slots.putAll(next);
    startWhatFits();
    return Behaviors.same();
  }

  private boolean anyAgentFits(JobSpec spec) {
    if (spec.agent() != null) {
      AgentSlot slot = slots.get(spec.agent());
      return slot != null && slot.offersAll(spec.capabilities());
    }
    if (spec.capabilities().isEmpty() && defaultAgent != null) {
      return slots.containsKey(defaultAgent);
    }
    return slots.values().stream().anyMatch(slot -> slot.offersAll(spec.capabilities()));
  }

  private String noAgentMessage(JobSpec spec) {
    if (spec.agent() != null) {
      AgentSlot slot = slots.get(spec.agent());
      return slot == null
          ? "no agent '" + spec.agent() + "'; agents: " + String.join(", ", slots.keySet())
          : "agent '" + spec.agent() + "' does not offer all of " + spec.capabilities();
    }
    if (spec.capabilities().isEmpty()) {
      return "no default agent is running";
    }
    return "no agent offers all of " + spec.capabilities();
  }

  /** The agent the job should start on now, or null when none that fits has room. */
  private AgentSlot pickAgent(JobSpec spec, Instant now) {
    if (spec.agent() != null || (spec.capabilities().isEmpty() && defaultAgent != null)) {
      AgentSlot slot = slots.get(spec.agent() != null ? spec.agent() : defaultAgent);
      return slot != null && slot.offersAll(spec.capabilities()) && slot.hasCapacity()
          && slot.withinRate(now) ? slot : null;
    }
    AgentSlot best = null;
    for (AgentSlot slot : slots.values()) {
      if (slot.offersAll(spec.capabilities()) && slot.hasCapacity() && slot.withinRate(now)
          && (best == null || slot.running() < best.running())) {
        best = slot;
      }
    }
    return best;
  }

  private boolean anyAgentFree(Instant now) {
    for (AgentSlot slot : slots.values()) {
      if (slot.hasCapacity() && slot.withinRate(now)) {
        return true;
      }
    }
    return false;
  }

  /** Wakes the queue when a rate-limited agent with room may start again. */
  private void scheduleRateWake(Instant now) {
    if (rateWakeScheduled || queue.isEmpty()) {
      return;
    }
    Instant earliest = null;
    for (AgentSlot slot : slots.values()) {
      if (slot.hasCapacity() && !slot.withinRate(now)) {
        Instant at = slot.nextStartAllowed(now);
        earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
      }
    }
    if (earliest != null) {
      rateWakeScheduled = true;
      Duration delay = Duration.between(now, earliest).plusMillis(1);
      timers.startSingleTimer("rate-window", new RateWindowOpened(),
          delay.isNegative() ? Duration.ZERO : delay);
    }
  }

  // ---- the queue ----

  /** Queues the job within its priority at its submission order (its place in the index). */
  private void enqueue(String jobId) {
    Job job = live.get(jobId);
    if (job == null || running.containsKey(jobId)) {
      return;
    }
    Long order = index.orderOf(jobId);
    JobQueue.Entry entry = new JobQueue.Entry(jobId, job.spec().priority(),
        order != null ? order : index.nextOrder(),
        JobQueue.Route.of(job.spec()));
    if (queue.add(entry)) {
      int depth = queuedByPriority.merge(entry.priority(), 1, Integer::sum);
      metrics.queueDepth(entry.priority(), depth);
    }
  }

  private boolean dequeue(String jobId) {
    JobQueue.Entry entry = queue.remove(jobId);
    if (entry == null) {
      return false;
    }
    int depth = queuedByPriority.merge(entry.priority(), -1, Integer::sum);
    if (depth <= 0) {
      queuedByPriority.remove(entry.priority());
    }
    metrics.queueDepth(entry.priority(), Math.max(0, depth));
    return true;
  }

  /**
   * Starts queued jobs while an agent that fits one has room: each time the first job, in start
   * order, among the heads of the routes. A head that cannot run does not hold back the routes
   * behind it.
   */
  private void startWhatFits() {
    if (draining) {
      return; // queued jobs stay queued for the next start of the service
    }
    Instant now = settings.clock().instant();
    while (!queue.isEmpty() && anyAgentFree(now) && startNext(now)) {
      // one job started (or a stale head dropped) per round
    }
    scheduleRateWake(now);
  }

  /** Starts (or drops) one head; false when no head can start now. */
  private boolean startNext(Instant now) {
    for (JobQueue.Entry head : queue.heads()) {
      Job job = live.get(head.jobId());
      if (job == null) {
        dequeue(head.jobId());
        return true;
      }
      if (job.spec().deadline() != null && !job.spec().deadline().isAfter(now)) {
        // its deadline timer may not have fired yet: never start a job that is already late
        dequeue(head.jobId());
        tellLedger(job.id(), new JobOp.Expire(deadlineMessage()));
        return true;
      }
      AgentSlot slot = pickAgent(job.spec(), now);
      if (slot != null) {
        dequeue(head.jobId());
        startAttempt(job, slot, now);
        return true;
      }
    }
    return false;
  }

  private void startAttempt(Job job, AgentSlot slot, Instant now) {
    String jobId = job.id();
    slot.started(now);
    Run run = new Run(jobId, job.spec(), ++tokens, slot);
    running.put(jobId, run);
    metrics.running(running.size());
    askLedger(jobId, new JobOp.Start(slot.id(), null),
        (reply, failure) -> new StartAnswered(jobId, run.token, reply, failure));
    Duration limit = Duration.ofSeconds(job.spec().timeoutSeconds());
    if (job.spec().deadline() != null) {
      Duration untilDeadline = Duration.between(now, job.spec().deadline());
      limit = untilDeadline.compareTo(limit) < 0 ? untilDeadline : limit;
    }
    timers.startSingleTimer(timeoutKey(jobId), new AttemptTimedOut(jobId, run.token),
        limit.isNegative() ? Duration.ZERO : limit);
  }

  private Behavior<Command> onStartAnswered(StartAnswered answered) {
    Run run = current(answered.jobId(), answered.token());
    if (run == null) {
      return Behaviors.same();
    }
    if (!(answered.reply() instanceof JobReply.Current current)
        || current.job().status() != JobStatus.RUNNING) {
      // cancelled meanwhile, or the store failed: this attempt never started
      context.getLog().info("job {}: not started: {}", run.jobId,
          answered.reply() != null ? answered.reply() : answered.failure());
      if (answered.reply() instanceof JobReply.Current current) {
        observe(current.job());
      } else if (live.containsKey(run.jobId)) {
        // the store did not answer: the job is still queued as far as it knows; try again later
        scheduleRetry(run.jobId, settings.clock().instant().plus(settings.backoff().delay(0)));
      }
      endRun(run);
      answerCancelWaitersDirectly(run);
      startWhatFits();
      tellIfDrained();
      return Behaviors.same();
    }
    observe(current.job());
    run.attempt = current.job().attempts();
    run.startedAt = settings.clock().instant();
    if (run.cancelRequested()) {
      record(run, "cancelled", new JobOp.Cancel("cancelled by request"));
      return Behaviors.same();
    }
    if (run.releaseReason != null) {
      record(run, "released", new JobOp.Release(run.releaseReason, run.withdrawnApprovalId));
      return Behaviors.same();
    }
    if (run.timedOut || run.deadlineHit) {
      failAttempt(run, run.deadlineHit ? deadlineMessage() : timeoutMessage(run), "timed_out");
      return Behaviors.same();
    }
    run.invocationId = run.jobId + "#" + run.attempt;
    jobOfInvocation.put(run.invocationId, run.jobId);
    Agent.Invocation invocation = new Agent.Invocation(run.invocationId, run.spec.prompt(),
        run.spec.cwd(), run.spec.approvalPolicy(), Duration.ofSeconds(run.spec.timeoutSeconds()));
    run.slot.handle().ref().tell(new Agent.Invoke(invocation, agentUpdates));
    return Behaviors.same();
  }

  private Behavior<Command> onFromAgent(FromAgent fromAgent) {
    Agent.Update update = fromAgent.update();
    String jobId = jobOfInvocation.get(update.invocationId());
    Run run = jobId == null ? null : running.get(jobId);
    if (run == null || run.finishing || !update.invocationId().equals(run.invocationId)) {
      return Behaviors.same(); // a late update of an attempt already over
    }
    if (update instanceof Agent.Update.Started started) {
      if (started.threadId() != null) {
        tellLedger(jobId, new JobOp.AttachThread(started.threadId()));
      }
    } else if (update instanceof Agent.Update.Item item) {
      publish(jobId, new JobFeed.Item(jobId, run.attempt, item.type(), item.data()));
    } else if (update instanceof Agent.Update.ApprovalRequested requested) {
      PendingApproval approval = requested.approval();
      run.approvals.put(approval.id(), approval);
      jobOfApproval.put(approval.id(), jobId);
      publish(jobId, new JobFeed.ApprovalRequested(jobId, run.attempt, approval));
      if (!run.awaitingApproval) {
        run.awaitingApproval = true;
        tellLedger(jobId, new JobOp.AwaitApproval(approval.id()));
      }
    } else if (update instanceof Agent.Update.ApprovalResolved resolved) {
      run.approvals.remove(resolved.approvalId());
      jobOfApproval.remove(resolved.approvalId());
      publish(jobId, new JobFeed.ApprovalResolved(jobId, run.attempt, resolved.approvalId(),
          resolved.decision()));
      if (run.approvals.isEmpty()) {
        resumeAfterApprovals(run);
      }
    } else if (update instanceof Agent.Update.Finished finished) {
      onFinished(run, finished.outcome(), finished.text(), finished.error());
    }
    return Behaviors.same();
  }

  private void resumeAfterApprovals(Run run) {
    if (run.awaitingApproval) {
      run.awaitingApproval = false;
      tellLedger(run.jobId, new JobOp.ApprovalAnswered());
    }
  }

  private void onFinished(Run run, Agent.Outcome outcome, String text, String error) {
    forgetApprovals(run);
    // the entity takes commands in order: it is running again before the outcome arrives
    resumeAfterApprovals(run);
    if (outcome == Agent.Outcome.SUCCEEDED && !run.cancelRequested()) {
      record(run, "succeeded", new JobOp.Succeed(text));
    } else if (run.cancelRequested()) {
      record(run, "cancelled", new JobOp.Cancel("cancelled by request"));
    } else if (run.releaseReason != null) {
      record(run, "released", new JobOp.Release(run.releaseReason, run.withdrawnApprovalId));
    } else if (run.deadlineHit) {
      failAttempt(run, deadlineMessage(), "timed_out");
    } else if (run.timedOut) {
      failAttempt(run, timeoutMessage(run), "timed_out");
    } else {
      failAttempt(run, error != null ? error : "the agent failed without saying why",
          outcome == Agent.Outcome.INTERRUPTED ? "interrupted" : "failed");
    }
  }

  private Behavior<Command> onAttemptTimedOut(AttemptTimedOut timeout) {
    Run run = current(timeout.jobId(), timeout.token());
    if (run == null || run.finishing) {
      return Behaviors.same();
    }
    Instant deadline = run.spec.deadline();
    if (deadline != null && !settings.clock().instant().isBefore(deadline)) {
      run.deadlineHit = true; // the attempt's limit was the job's deadline
    } else {
      run.timedOut = true;
    }
    interrupt(run);
    return Behaviors.same();
  }

  private void interrupt(Run run) {
    if (!run.invoked() || run.interruptSent) {
      return; // not started yet (acted on when the entity answers the start), or already sent
    }
    run.interruptSent = true;
    run.slot.handle().ref().tell(new Agent.Interrupt(run.invocationId));
    timers.startSingleTimer(abandonKey(run.jobId), new AttemptAbandoned(run.jobId, run.token),
        ABANDON_AFTER);
  }

  private Behavior<Command> onAttemptAbandoned(AttemptAbandoned abandoned) {
    Run run = current(abandoned.jobId(), abandoned.token());
    if (run != null && !run.finishing) {
      context.getLog().warn("job {}: agent {} did not end attempt {} within {} of the interrupt; "
          + "dropping it", run.jobId, run.slot.id(), run.attempt, ABANDON_AFTER);
      onFinished(run, Agent.Outcome.INTERRUPTED, null,
          "the agent did not stop within " + ABANDON_AFTER.toSeconds() + " s of an interrupt");
    }
    return Behaviors.same();
  }

  private void failAttempt(Run run, String error, String outcome) {
    Instant now = settings.clock().instant();
    Instant retryAt = run.attempt < run.spec.maxAttempts()
        ? now.plus(settings.backoff().delay(Math.max(0, run.attempt - 1)))
        : null;
    Instant deadline = run.spec.deadline();
    if (retryAt != null && deadline != null && (run.deadlineHit || retryAt.isAfter(deadline))) {
      retryAt = null;
      error = error + " (the deadline leaves no room for another attempt)";
    }
    Instant due = retryAt;
    String message = error;
    record(run, outcome, new JobOp.FailAttempt(message, due));
  }

  /** Sends the attempt's outcome to the entity; the agent's slot frees once it is stored. */
  private void record(Run run, String outcome,
      JobOp command) {
    run.finishing = true;
    run.outcome = outcome;
    run.outcomeCommand = command;
    run.recordTries = 1;
    timers.cancel(timeoutKey(run.jobId));
    timers.cancel(abandonKey(run.jobId));
    askLedger(run.jobId, command,
        (reply, failure) -> new OutcomeRecorded(run.jobId, run.token, outcome, reply, failure));
  }

  private Behavior<Command> onRecordAgain(RecordAgain again) {
    Run run = current(again.jobId(), again.token());
    if (run != null) {
      run.recordTries++;
      askLedger(run.jobId, run.outcomeCommand, (reply, failure) ->
          new OutcomeRecorded(run.jobId, run.token, run.outcome, reply, failure));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onOutcomeRecorded(OutcomeRecorded recorded) {
    Run run = current(recorded.jobId(), recorded.token());
    if (run == null) {
      return Behaviors.same();
    }
    if (recorded.reply() == null) {
      // the journal did not store it (overloaded, or failing writes: a full disk): the slot
      // stays taken until the outcome is stored, or the job would stay running forever
      Duration wait = RECORD_AGAIN_AFTER.multipliedBy(1L << Math.min(run.recordTries - 1, 3));
      wait = wait.compareTo(RECORD_AGAIN_MAX) > 0 ? RECORD_AGAIN_MAX : wait;
      context.getLog().warn("job {}: outcome not stored yet ({}), trying again in {}", run.jobId,
          String.valueOf(recorded.failure()), wait);
      timers.startSingleTimer(recordKey(run.jobId), new RecordAgain(run.jobId, run.token), wait);
      return Behaviors.same();
    }
    endRun(run);
    if (run.startedAt != null) {
      metrics.attemptEnded(recorded.outcome(),
          Duration.between(run.startedAt, settings.clock().instant()));
    }
    JobReply reply = recorded.reply();
    if (reply instanceof JobReply.Current current) {
      Job job = current.job();
      observe(job);
      if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
        scheduleRetry(job.id(), job.retryAt());
      }
      if (job.status() == JobStatus.QUEUED) {
        released++;
        enqueue(job.id()); // released by a drain: queued again, started by the next run
      }
      if (job.status() == JobStatus.CANCELLED) {
        run.cancelWaiters.forEach(waiter -> waiter.tell(reply));
        run.cancelWaiters.clear();
      }
    } else {
      context.getLog().warn("job {}: outcome not recorded: {}", run.jobId, reply);
    }
    // the attempt ended before the cancel reached it: the entity says why it can't be cancelled
    answerCancelWaitersDirectly(run);
    startWhatFits();
    tellIfDrained();
    return Behaviors.same();
  }

  private void answerCancelWaitersDirectly(Run run) {
    for (ActorRef<JobReply> waiter : run.cancelWaiters) {
      askLedger(run.jobId, new JobOp.Cancel("cancelled by request"),
          (reply, failure) -> new EntityAnswered(run.jobId, reply, failure, waiter, false));
    }
    run.cancelWaiters.clear();
  }

  // ---- retries and deadlines ----

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

  private void scheduleDeadline(String jobId, JobSpec spec) {
    if (spec.deadline() == null || !deadlinesScheduled.add(jobId)) {
      return;
    }
    Duration delay = Duration.between(settings.clock().instant(), spec.deadline());
    timers.startSingleTimer(deadlineKey(jobId), new DeadlineDue(jobId),
        delay.isNegative() ? Duration.ZERO : delay);
  }

  private Behavior<Command> onDeadlineDue(DeadlineDue due) {
    String jobId = due.jobId();
    deadlinesScheduled.remove(jobId);
    Run run = running.get(jobId);
    if (run != null) {
      if (!run.finishing) {
        run.deadlineHit = true;
        interrupt(run);
      }
      return Behaviors.same();
    }
    boolean waiting = dequeue(jobId);
    if (retrying.remove(jobId)) {
      timers.cancel(retryKey(jobId));
      waiting = true;
    }
    if (waiting) {
      tellLedger(jobId, new JobOp.Expire(deadlineMessage()));
    }
    return Behaviors.same();
  }

  // ---- cancel ----

  private Behavior<Command> onCancel(Cancel cancel) {
    String jobId = cancel.jobId();
    if (!isValidId(jobId) || !index.contains(jobId)) {
      cancel.replyTo().tell(new JobReply.NotFound(jobId));
      return Behaviors.same();
    }
    Run run = running.get(jobId);
    if (run != null) {
      boolean first = !run.cancelRequested();
      run.cancelWaiters.add(cancel.replyTo());
      if (first && !run.finishing) {
        interrupt(run); // the outcome is then recorded as cancelled
      }
      return Behaviors.same();
    }
    dequeue(jobId);
    if (retrying.remove(jobId)) {
      timers.cancel(retryKey(jobId));
    }
    askLedger(jobId, new JobOp.Cancel("cancelled by request"),
        (reply, failure) -> new EntityAnswered(jobId, reply, failure, cancel.replyTo(), false));
    return Behaviors.same();
  }

  // ---- approvals ----

  private Behavior<Command> onListApprovals(ListApprovals list) {
    List<JobApproval> pending = new ArrayList<>();
    for (Run run : running.values()) {
      run.approvals.values().forEach(approval ->
          pending.add(new JobApproval(run.jobId, run.attempt, approval)));
    }
    pending.sort(Comparator.comparing((JobApproval a) -> a.approval().requestedAt())
        .thenComparing(a -> a.approval().id()));
    list.replyTo().tell(List.copyOf(pending));
    return Behaviors.same();
  }

  private Behavior<Command> onDecideApproval(DecideApproval decide) {
    String jobId = decide.approvalId() == null ? null : jobOfApproval.get(decide.approvalId());
    Run run = jobId == null ? null : running.get(jobId);
    if (jobId == null && decide.approvalId() != null
        && jobOfWithdrawnApproval.containsKey(decide.approvalId())) {
      decide.replyTo().tell(new ApprovalAnswer.Refused(decide.approvalId(),
          withdrawnMessage(decide.approvalId(), jobOfWithdrawnApproval.get(decide.approvalId()))));
      return Behaviors.same();
    }
    if (run == null || run.finishing || !run.approvals.containsKey(decide.approvalId())) {
      decide.replyTo().tell(new ApprovalAnswer.NotFound(decide.approvalId()));
      return Behaviors.same();
    }
    context.ask(Agent.Decided.class, run.slot.handle().ref(), DECIDE_TIMEOUT,
        replyTo -> new Agent.Decide(run.invocationId, decide.approvalId(), decide.decision(),
            replyTo),
        (decided, failure) -> new DecisionAnswered(decide.approvalId(), jobId,
            decided != null ? decided : new Agent.Decided(false, "the agent did not answer: "
                + failure), decide.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onDecisionAnswered(DecisionAnswered answered) {
    answered.replyTo().tell(answered.decided().ok()
        ? new ApprovalAnswer.Done(answered.jobId(), answered.approvalId())
        : new ApprovalAnswer.Refused(answered.approvalId(), answered.decided().message()));
    return Behaviors.same();
  }

  private void forgetApprovals(Run run) {
    run.approvals.keySet().forEach(jobOfApproval::remove);
    run.approvals.clear();
  }

  // ---- draining ----

  private Behavior<Command> onDrain(Drain drain) {
    if (!draining) {
      draining = true;
      context.getLog().info("draining: no new jobs; {} attempt(s) running, {} queued stay queued",
          running.size(), queue.size());
    }
    drainWaiter = drain.replyTo();
    // a person may not answer before the drain ends: give those attempts back now
    for (Run run : List.copyOf(running.values())) {
      if (run.awaitingApproval || !run.approvals.isEmpty()) {
        release(run, "interrupted by shutdown while waiting for an approval: requeued without "
            + "spending an attempt; it asks again when it runs");
      }
    }
    tellIfDrained();
    return Behaviors.same();
  }

  private Behavior<Command> onReleaseRunning(ReleaseRunning releaseRunning) {
    for (Run run : List.copyOf(running.values())) {
      release(run, releaseRunning.reason());
    }
    return Behaviors.same();
  }

  /** Interrupts {@code run}; its outcome is then recorded as {@link JobOp.Release}. */
  private void release(Run run, String reason) {
    if (run.finishing || run.releaseReason != null) {
      return;
    }
    run.releaseReason = reason;
    run.withdrawnApprovalId = run.approvals.isEmpty() ? null
        : run.approvals.keySet().iterator().next();
    interrupt(run); // not invoked yet: the start's answer records the release
  }

  private void tellIfDrained() {
    if (draining && drainWaiter != null && running.isEmpty()) {
      drainWaiter.tell(new Drained(released));
      drainWaiter = null;
    }
  }

  private Behavior<Command> onStall(Stall stall) {
    context.getLog().warn("test hook: stalling the dispatcher for {}", stall.duration());
    try {
      Thread.sleep(stall.duration().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Behaviors.same();
  }

  private void noteWithdrawnApproval(Job job) {
    if (job.withdrawnApprovalId() == null) {
      return;
    }
    if (job.status().isTerminal()) {
      jobOfWithdrawnApproval.remove(job.withdrawnApprovalId());
    } else {
      jobOfWithdrawnApproval.put(job.withdrawnApprovalId(), job.id());
    }
  }

  private String withdrawnMessage(String approvalId, String jobId) {
    Run run = running.get(jobId);
    String now = run == null || run.approvals.isEmpty()
        ? "it asks again under a new id when its next attempt reaches that point"
        : "it now waits on approval " + run.approvals.keySet().iterator().next();
    return "approval " + approvalId + " was withdrawn when the service stopped and job " + jobId
        + " was requeued; " + now;
  }

  // ---- the ledger ----

  /** Sends {@code op} to the ledger; {@code onAnswer} makes its answer a message to self. */
  private void askLedger(String jobId, JobOp op, BiFunction<JobReply, String, Command> onAnswer) {
    long ticket = ++tickets;
    awaiting.put(ticket, new Awaiting(onAnswer, System.nanoTime()));
    ledger.tell(new JobLedger.Apply(jobId, op, ticket, ledgerAnswers));
  }

  /** An op whose answer only updates what the dispatcher knows of the job. */
  private void tellLedger(String jobId, JobOp op) {
    askLedger(jobId, op, (reply, failure) -> new Observed(jobId, reply));
  }

  private Behavior<Command> onLedgerAnswered(LedgerAnswered message) {
    JobLedger.Answered answered = message.answered();
    Awaiting waiting = awaiting.remove(answered.ticket());
    if (waiting != null) {
      // a message of its own, as an ask's answer was: the handlers expect to run one at a time
      context.getSelf().tell(waiting.onAnswer().apply(answered.reply(), answered.failure()));
    }
    return Behaviors.same();
  }

  /**
   * Answers, as not stored, the ops the ledger has not answered within {@link #LEDGER_TIMEOUT}
   * (it answers every op unless it failed itself). Tickets grow, so the oldest come first.
   */
  private Behavior<Command> onSweepUnanswered(SweepUnanswered sweep) {
    long now = System.nanoTime();
    Iterator<Map.Entry<Long, Awaiting>> oldest = awaiting.entrySet().iterator();
    while (oldest.hasNext()) {
      Awaiting waiting = oldest.next().getValue();
      if (now - waiting.sentAtNanos() < LEDGER_TIMEOUT.toNanos()) {
        break;
      }
      oldest.remove();
      context.getSelf().tell(waiting.onAnswer().apply(null,
          "the job store did not answer within " + LEDGER_TIMEOUT.toSeconds() + " s"));
    }
    return Behaviors.same();
  }

  // ---- helpers ----

  private Run current(String jobId, long token) {
    Run run = running.get(jobId);
    return run != null && run.token == token ? run : null;
  }

  private void endRun(Run run) {
    timers.cancel(timeoutKey(run.jobId));
    timers.cancel(abandonKey(run.jobId));
    timers.cancel(recordKey(run.jobId));
    running.remove(run.jobId);
    if (run.invocationId != null) {
      jobOfInvocation.remove(run.invocationId);
    }
    forgetApprovals(run);
    run.slot.ended();
    metrics.running(running.size());
  }

  private String timeoutMessage(Run run) {
    return "attempt " + run.attempt + " timed out after " + run.spec.timeoutSeconds() + " s";
  }

  private static String deadlineMessage() {
    return "the job's deadline passed";
  }

  private static boolean isValidId(String jobId) {
    return jobId != null && VALID_ID.matcher(jobId).matches();
  }

  private static String timeoutKey(String jobId) {
    return "timeout|" + jobId;
  }

  private static String abandonKey(String jobId) {
    return "abandon|" + jobId;
  }

  private static String recordKey(String jobId) {
    return "record|" + jobId;
  }

  private static String retryKey(String jobId) {
    return "retry|" + jobId;
  }

  private static String deadlineKey(String jobId) {
    return "deadline|" + jobId;
  }
}
