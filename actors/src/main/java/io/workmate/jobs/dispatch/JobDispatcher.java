package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentHandle;
import io.workmate.codex.CodexPool;
import io.workmate.codex.CodexThread;
import io.workmate.codex.PendingApproval;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.TurnResult;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobSummary;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobEntity;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.support.Backoff;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The scheduler of the job queue (first slice): owns one {@link JobEntity} child per job (named
 * by the job id), keeps the queued jobs in memory ordered by priority (higher first) and then by
 * submission order, and runs at most {@link Settings#maxConcurrent()} of them at a time, each
 * attempt as one turn on a fresh Codex thread of the {@link CodexPool}.
 *
 * <p>An attempt: {@code Start} → open a thread → {@code RunTurn(spec.prompt)} → {@code Succeed}
 * when the turn completed, otherwise {@code FailAttempt} with {@code retryAt = now +
 * backoff.delay(attempts - 1)} while attempts are left (else {@code null}: dead). An attempt
 * running longer than {@code spec.timeoutSeconds} is interrupted and failed. A failed job is
 * queued again when its {@code retryAt} comes. {@link Cancel} removes a queued job, interrupts a
 * running one, or stops a pending retry, and cancels the job.
 *
 * <p>Recovery: when it starts with a {@link Settings#recovery() recovery source} (by default the
 * jdbc read journal, when that is the configured journal), it first reads every job event,
 * folds them per job ({@link JobRecovery}) and, before taking new work (commands that arrive
 * meanwhile are stashed): queues the jobs last {@code queued} in their original order (priority,
 * then submission order), requeues the jobs last {@code running}/{@code waiting_approval}
 * ({@link JobEntity.Requeue}: the cut-short attempt stays counted, or the job goes dead if it was
 * the last) and queues them if still queued, and schedules the retry of the jobs last
 * {@code failed}.
 *
 * <p>Not in this slice: routing by agent or capabilities (every job runs on the one pool with the
 * base thread settings), approvals ({@code waiting_approval}), the overall deadline and streaming
 * of Codex items.
 */
public final class JobDispatcher {

  /** The agent name recorded on an attempt when the spec names none. */
  public static final String DEFAULT_AGENT = "codex";

  private static final Duration ENTITY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
  /** Beyond the attempt timeout: the thread always answers a turn, this is a backstop only. */
  private static final Duration TURN_GRACE = Duration.ofSeconds(60);
  /** Commands held while the queue is rebuilt; beyond this they are refused. */
  private static final int STASH_CAPACITY = 10_000;
  private static final Duration RECOVERY_READ_RETRY = Duration.ofSeconds(2);
  private static final int RECOVERY_TRIES = 3;
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  // ---- protocol ----

  public sealed interface Command {}

  /**
   * Submits a job (its id from {@link JobIds#forSpec}, so a repeated idempotency key reaches the
   * same job); answered with the entity's reply ({@link JobEntity.Reply.Current} when accepted).
   */
  public record Submit(JobSpec spec, ActorRef<JobEntity.Reply> replyTo) implements Command {}

  /** Cancels a job; answered with the entity's reply to {@link JobEntity.Cancel}. */
  public record Cancel(String jobId, ActorRef<JobEntity.Reply> replyTo) implements Command {}

  /** The job as the entity knows it ({@link JobEntity.Reply.Current} or {@code NotFound}). */
  public record Get(String jobId, ActorRef<JobEntity.Reply> replyTo) implements Command {}

  /** The job's recent transitions ({@link JobEntity.Reply.History} or {@code NotFound}). */
  public record GetHistory(String jobId, ActorRef<JobEntity.Reply> replyTo) implements Command {}

  /** Gives a dead job a fresh set of attempts; answered with the entity's reply. */
  public record Retry(String jobId, ActorRef<JobEntity.Reply> replyTo) implements Command {}

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

  /** Counts for metrics and health: answered with {@link Stats}. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /**
   * @param byStatus jobs known in each status (every status present, zero included)
   * @param queuedByPriority queued jobs per priority
   * @param runningByAgent attempts in progress per agent
   * @param recovering whether the queue is still being rebuilt from the journal
   */
  public record Stats(Map<JobStatus, Long> byStatus, Map<Integer, Integer> queuedByPriority,
      Map<String, Integer> runningByAgent, boolean recovering) {}

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

  private record Submitted(String jobId, JobEntity.Reply reply, Throwable failure,
      ActorRef<JobEntity.Reply> replyTo) implements Command {}

  private record StartAnswered(String jobId, long token, JobEntity.Reply reply, Throwable failure)
      implements Command {}

  private record ThreadOpened(String jobId, long token, CodexPool.ThreadOpened opened,
      Throwable failure) implements Command {}

  private record TurnDone(String jobId, long token, TurnResult result, Throwable failure)
      implements Command {}

  private record InterruptAnswered(String jobId, long token, CodexThread.Ack ack)
      implements Command {}

  private record AttemptTimedOut(String jobId, long token) implements Command {}

  private record OutcomeRecorded(String jobId, long token, JobEntity.Reply reply,
      Throwable failure) implements Command {}

  private record RetryDue(String jobId) implements Command {}

  private record RecoveryLoaded(List<EventEnvelope> events, Throwable failure)
      implements Command {}

  private record RecoveryReadAgain() implements Command {}

  /** The answer to a recovery {@code Requeue} ({@code viaGet}: to the {@code Get} after it). */
  private record RecoveryAnswered(String jobId, int tries, boolean viaGet, JobEntity.Reply reply,
      Throwable failure) implements Command {}

  // ---- settings ----

  /**
   * @param maxConcurrent attempts running at once (at least 1)
   * @param backoff the delay before attempt n+1 is {@code backoff.delay(n - 1)}
   * @param baseThread settings of every attempt's thread; the spec's {@code cwd} replaces its cwd
   * @param clock stamps the job events and computes {@code retryAt}
   * @param recovery where the job events to rebuild the queue from come from at start; empty:
   *     start with an empty queue
   */
  public record Settings(int maxConcurrent, Backoff backoff, ThreadSettings baseThread,
      Clock clock, Optional<RecoverySource> recovery) {

    public Settings {
      if (maxConcurrent < 1) {
        throw new IllegalArgumentException("maxConcurrent must be at least 1, not " + maxConcurrent);
      }
      Objects.requireNonNull(backoff, "backoff");
      Objects.requireNonNull(baseThread, "baseThread");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(recovery, "recovery");
    }

    /** Recovering from the configured journal when it is the jdbc one. */
    public Settings(int maxConcurrent, Backoff backoff, ThreadSettings baseThread, Clock clock) {
      this(maxConcurrent, backoff, baseThread, clock,
          Optional.of(RecoverySource.fromConfiguredJournal()));
    }

    public static Settings of(int maxConcurrent, Backoff backoff, ThreadSettings baseThread) {
      return new Settings(maxConcurrent, backoff, baseThread, Clock.systemUTC());
    }

    public Settings withRecovery(Optional<RecoverySource> newRecovery) {
      return new Settings(maxConcurrent, backoff, baseThread, clock, newRecovery);
    }
  }

  public static Behavior<Command> create(ActorRef<CodexPool.Command> pool, Settings settings) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(settings, "settings");
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        STASH_CAPACITY,
        stash -> new JobDispatcher(context, timers, stash, pool, settings).starting())));
  }

  // ---- state ----

  private record Queued(String jobId, int priority, long seq) {}

  private static final Comparator<Queued> ORDER = Comparator
      .comparingInt((Queued q) -> -q.priority())
      .thenComparingLong(Queued::seq);

  /** One attempt in progress. */
  private static final class Run {
    final String jobId;
    final JobSpec spec;
    final long token;
    int attempt;
    ActorRef<CodexThread.Command> thread;
    boolean timedOut;
    boolean finishing;
    final List<ActorRef<JobEntity.Reply>> cancelWaiters = new ArrayList<>();

    Run(String jobId, JobSpec spec, long token) {
      this.jobId = jobId;
      this.spec = spec;
      this.token = token;
    }

    boolean cancelRequested() {
      return !cancelWaiters.isEmpty();
    }
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final ActorRef<CodexPool.Command> pool;
  private final Settings settings;

  private final Map<String, ActorRef<JobEntity.Command>> entities = new HashMap<>();
  private final Map<String, JobSpec> specs = new HashMap<>();
  private final TreeSet<Queued> queue = new TreeSet<>(ORDER);
  private final Map<String, Queued> queuedById = new HashMap<>();
  private final Map<String, Run> running = new HashMap<>();
  private final Set<String> retrying = new HashSet<>();
  private long seq;
  private long tokens;

  private final Map<String, Long> recoveryOrder = new HashMap<>();
  private final Set<String> recoveryPending = new HashSet<>();

  private JobDispatcher(ActorContext<Command> context, TimerScheduler<Command> timers,
      StashBuffer<Command> stash, ActorRef<CodexPool.Command> pool, Settings settings) {
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.pool = pool;
    this.settings = settings;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Submitted.class, this::onSubmitted)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(Get.class, get -> passThrough(get.jobId(), get.replyTo(),
            JobEntity.Get::new))
        .onMessage(GetHistory.class, get -> passThrough(get.jobId(), get.replyTo(),
            JobEntity.GetHistory::new))
        .onMessage(GetQueue.class, this::onGetQueue)
        .onMessage(StartAnswered.class, this::onStartAnswered)
        .onMessage(ThreadOpened.class, this::onThreadOpened)
        .onMessage(TurnDone.class, this::onTurnDone)
        .onMessage(InterruptAnswered.class, this::onInterruptAnswered)
        .onMessage(AttemptTimedOut.class, this::onAttemptTimedOut)
        .onMessage(OutcomeRecorded.class, this::onOutcomeRecorded)
        .onMessage(RetryDue.class, this::onRetryDue)
        .build();
  }

  // ---- recovery ----

  private Behavior<Command> starting() {
    if (settings.recovery().isEmpty()) {
      return behavior();
    }
    readRecoveryEvents();
    return Behaviors.receive(Command.class)
        .onMessage(RecoveryLoaded.class, this::onRecoveryLoaded)
        .onMessage(RecoveryReadAgain.class, again -> {
          readRecoveryEvents();
          return Behaviors.same();
        })
        .onMessage(RecoveryAnswered.class, this::onRecoveryAnswered)
        .onAnyMessage(this::stashWhileRecovering)
        .build();
  }

  private void readRecoveryEvents() {
    Source<EventEnvelope, NotUsed> events;
    try {
      events = settings.recovery().orElseThrow().currentEvents(context.getSystem());
    } catch (RuntimeException e) {
      context.getSelf().tell(new RecoveryLoaded(null, e));
      return;
    }
    context.pipeToSelf(events.runWith(Sink.seq(), context.getSystem()),
        (loaded, failure) -> new RecoveryLoaded(loaded, failure));
  }

  private Behavior<Command> stashWhileRecovering(Command command) {
    if (!stash.isFull()) {
      stash.stash(command);
      return Behaviors.same();
    }
    JobEntity.Reply refused = new JobEntity.Reply.Rejected("unavailable",
        "the job queue is still being recovered; try again");
    if (command instanceof Submit submit) {
      submit.replyTo().tell(refused);
    } else if (command instanceof Cancel cancel) {
      cancel.replyTo().tell(refused);
    } else if (command instanceof Get get) {
      get.replyTo().tell(refused);
    } else if (command instanceof GetHistory get) {
      get.replyTo().tell(refused);
    } else {
      context.getLog().warn("recovery: dropped {} (the stash is full)", command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRecoveryLoaded(RecoveryLoaded loaded) {
    if (loaded.events() == null) {
      context.getLog().warn("recovery: could not read the job events, trying again in {}",
          RECOVERY_READ_RETRY, loaded.failure());
      timers.startSingleTimer("recovery-read", new RecoveryReadAgain(), RECOVERY_READ_RETRY);
      return Behaviors.same();
    }
    List<JobRecovery.RecoveredJob> jobs =
        JobRecovery.fold(loaded.events().stream().map(EventEnvelope::event).toList());
    int queued = 0;
    int retrying = 0;
    for (JobRecovery.RecoveredJob job : jobs) {
      seq = Math.max(seq, job.order() + 1);
      if (job.status().isTerminal()) {
        continue;
      }
      specs.put(job.jobId(), job.spec());
      recoveryOrder.put(job.jobId(), job.order());
      switch (job.status()) {
        case QUEUED -> {
          enqueue(job.jobId(), job.order());
          queued++;
        }
        case FAILED -> {
          if (job.retryAt() != null) {
            scheduleRetry(job.jobId(), job.retryAt());
            retrying++;
          } else {
            recoveryPending.add(job.jobId());
            askRecovery(job.jobId(), 1, true, JobEntity.Get::new);
          }
        }
        default -> {
          // running or waiting for an approval when the service stopped
          recoveryPending.add(job.jobId());
          String reason = "the service restarted during attempt " + job.attempts();
          askRecovery(job.jobId(), 1, false,
              replyTo -> new JobEntity.Requeue(reason, replyTo));
        }
      }
    }
    context.getLog().info("recovery: {} events, {} jobs: {} queued, {} waiting to retry, "
            + "{} cut short by the restart", loaded.events().size(), jobs.size(), queued,
        retrying, recoveryPending.size());
    return recoveryPending.isEmpty() ? recovered() : Behaviors.same();
  }

  private void askRecovery(String jobId, int tries, boolean viaGet,
      java.util.function.Function<ActorRef<JobEntity.Reply>, JobEntity.Command> command) {
    context.ask(JobEntity.Reply.class, entity(jobId), ENTITY_TIMEOUT, command::apply,
        (reply, failure) -> new RecoveryAnswered(jobId, tries, viaGet, reply, failure));
  }

  private Behavior<Command> onRecoveryAnswered(RecoveryAnswered answered) {
    String jobId = answered.jobId();
    if (!recoveryPending.contains(jobId)) {
      return Behaviors.same();
    }
    if (answered.reply() instanceof JobEntity.Reply.Current current) {
      adoptRecovered(current.job());
    } else if (answered.reply() instanceof JobEntity.Reply.Rejected && !answered.viaGet()) {
      // its status is not the one its events said: take it as the entity has it
      askRecovery(jobId, answered.tries(), true, JobEntity.Get::new);
      return Behaviors.same();
    } else if (answered.reply() == null && answered.tries() < RECOVERY_TRIES) {
      context.getLog().warn("recovery: job {}: no answer ({}), asking again", jobId,
          String.valueOf(answered.failure()));
      askRecovery(jobId, answered.tries() + 1, true, JobEntity.Get::new);
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
      case QUEUED -> enqueue(job.id(), recoveryOrder.getOrDefault(job.id(), ++seq));
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
    recoveryOrder.clear();
    startWhatFits();
    return stash.unstashAll(behavior());
  }

  // ---- submit, get ----

  private Behavior<Command> onSubmit(Submit submit) {
    String jobId = JobIds.forSpec(submit.spec());
    context.ask(JobEntity.Reply.class, entity(jobId), ENTITY_TIMEOUT,
        replyTo -> new JobEntity.Submit(submit.spec(), replyTo),
        (reply, failure) -> new Submitted(jobId, reply, failure, submit.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onSubmitted(Submitted submitted) {
    if (submitted.reply() == null) {
      submitted.replyTo().tell(new JobEntity.Reply.Rejected("unavailable",
          "the job store did not answer: " + submitted.failure()));
      return Behaviors.same();
    }
    if (submitted.reply() instanceof JobEntity.Reply.Current current) {
      Job job = current.job();
      specs.put(job.id(), job.spec());
      if (job.status() == JobStatus.QUEUED) {
        enqueue(job.id());
      } else if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
        scheduleRetry(job.id(), job.retryAt());
      }
    }
    submitted.replyTo().tell(submitted.reply());
    startWhatFits();
    return Behaviors.same();
  }

  private Behavior<Command> passThrough(String jobId, ActorRef<JobEntity.Reply> replyTo,
      java.util.function.Function<ActorRef<JobEntity.Reply>, JobEntity.Command> command) {
    if (!isValidId(jobId)) {
      replyTo.tell(new JobEntity.Reply.NotFound(jobId));
    } else {
      entity(jobId).tell(command.apply(replyTo));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onGetQueue(GetQueue get) {
    get.replyTo().tell(new QueueState(queue.stream().map(Queued::jobId).toList(),
        Set.copyOf(running.keySet()), Set.copyOf(retrying)));
    return Behaviors.same();
  }

  // ---- the queue ----

  private void enqueue(String jobId) {
    enqueue(jobId, ++seq);
  }

  /** Queues the job at {@code order} within its priority (recovery keeps submission order). */
  private void enqueue(String jobId, long order) {
    if (queuedById.containsKey(jobId) || running.containsKey(jobId)) {
      return;
    }
    JobSpec spec = specs.get(jobId);
    Queued entry = new Queued(jobId, spec == null ? 0 : spec.priority(), order);
    queue.add(entry);
    queuedById.put(jobId, entry);
  }

  private void startWhatFits() {
    while (running.size() < settings.maxConcurrent() && !queue.isEmpty()) {
      Queued next = queue.pollFirst();
      queuedById.remove(next.jobId());
      startAttempt(next.jobId());
    }
  }

  private void startAttempt(String jobId) {
    JobSpec spec = specs.get(jobId);
    Run run = new Run(jobId, spec, ++tokens);
    running.put(jobId, run);
    String agent = spec.agent() != null ? spec.agent() : DEFAULT_AGENT;
    context.ask(JobEntity.Reply.class, entity(jobId), ENTITY_TIMEOUT,
        replyTo -> new JobEntity.Start(agent, null, replyTo),
        (reply, failure) -> new StartAnswered(jobId, run.token, reply, failure));
    timers.startSingleTimer(timeoutKey(jobId), new AttemptTimedOut(jobId, run.token),
        Duration.ofSeconds(spec.timeoutSeconds()));
  }

  private Behavior<Command> onStartAnswered(StartAnswered answered) {
    Run run = current(answered.jobId(), answered.token());
    if (run == null) {
      return Behaviors.same();
    }
    if (!(answered.reply() instanceof JobEntity.Reply.Current current)
        || current.job().status() != JobStatus.RUNNING) {
      // cancelled meanwhile, or the store failed: this attempt never started
      context.getLog().info("job {}: not started: {}", run.jobId,
          answered.reply() != null ? answered.reply() : answered.failure());
      endRun(run);
      answerCancelWaitersDirectly(run);
      startWhatFits();
      return Behaviors.same();
    }
    run.attempt = current.job().attempts();
    if (run.cancelRequested()) {
      record(run, replyTo -> new JobEntity.Cancel("cancelled by request", replyTo));
      return Behaviors.same();
    }
    if (run.timedOut) {
      failAttempt(run, timeoutMessage(run));
      return Behaviors.same();
    }
    ThreadSettings threadSettings;
    try {
      threadSettings = threadSettings(run.spec);
    } catch (RuntimeException e) {
      record(run, replyTo -> new JobEntity.FailAttempt("bad job settings: " + e.getMessage(),
          null, replyTo));
      return Behaviors.same();
    }
    context.ask(CodexPool.ThreadOpened.class, pool, OPEN_TIMEOUT,
        replyTo -> new CodexPool.OpenThread(threadSettings, Optional.empty(), List.of(), replyTo),
        (opened, failure) -> new ThreadOpened(run.jobId, run.token, opened, failure));
    return Behaviors.same();
  }

  private ThreadSettings threadSettings(JobSpec spec) {
    ThreadSettings base = settings.baseThread();
    if (spec.cwd() == null) {
      return base;
    }
    return new ThreadSettings(Path.of(spec.cwd()), base.model(), base.approvalPolicy(),
        base.sandbox(), base.approvals(), base.turnWatchdog(), base.drainTimeout(),
        base.maxQueuedTurns());
  }

  private Behavior<Command> onThreadOpened(ThreadOpened opened) {
    Run run = current(opened.jobId(), opened.token());
    if (run == null) {
      if (opened.opened() != null) {
        opened.opened().thread().tell(new CodexThread.Close("closed by the dispatcher"));
      }
      return Behaviors.same();
    }
    if (opened.opened() == null) {
      failAttempt(run, "could not open a codex thread: " + opened.failure());
      return Behaviors.same();
    }
    run.thread = opened.opened().thread();
    if (run.cancelRequested() || run.timedOut) {
      // the turn is never sent; closing the thread is all there is to stop
      closeThread(run);
      if (run.cancelRequested()) {
        record(run, replyTo -> new JobEntity.Cancel("cancelled by request", replyTo));
      } else {
        failAttempt(run, timeoutMessage(run));
      }
      return Behaviors.same();
    }
    Duration turnLimit = Duration.ofSeconds(run.spec.timeoutSeconds()).plus(TURN_GRACE);
    context.ask(TurnResult.class, run.thread, turnLimit,
        replyTo -> new CodexThread.RunTurn(run.spec.prompt(), replyTo),
        (result, failure) -> new TurnDone(run.jobId, run.token, result, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onTurnDone(TurnDone done) {
    Run run = current(done.jobId(), done.token());
    if (run == null || run.finishing) {
      return Behaviors.same();
    }
    closeThread(run);
    TurnResult result = done.result();
    if (result != null && result.completed()) {
      String text = result.finalText();
      record(run, replyTo -> new JobEntity.Succeed(text, replyTo));
    } else if (run.cancelRequested()) {
      record(run, replyTo -> new JobEntity.Cancel("cancelled by request", replyTo));
    } else if (run.timedOut) {
      failAttempt(run, timeoutMessage(run));
    } else if (result == null) {
      failAttempt(run, "no turn result: " + done.failure());
    } else {
      failAttempt(run, "turn " + result.outcome().name().toLowerCase()
          + result.error().map(error -> ": " + error).orElse(""));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAttemptTimedOut(AttemptTimedOut timeout) {
    Run run = current(timeout.jobId(), timeout.token());
    if (run == null || run.finishing) {
      return Behaviors.same();
    }
    run.timedOut = true;
    interrupt(run);
    return Behaviors.same();
  }

  private void interrupt(Run run) {
    if (run.thread == null) {
      return; // handled when the attempt or the thread comes up
    }
    context.ask(CodexThread.Ack.class, run.thread, OPEN_TIMEOUT,
        CodexThread.Interrupt::new,
        (ack, failure) -> new InterruptAnswered(run.jobId, run.token,
            ack != null ? ack : CodexThread.Ack.refused(String.valueOf(failure))));
  }

  private Behavior<Command> onInterruptAnswered(InterruptAnswered answered) {
    Run run = current(answered.jobId(), answered.token());
    if (run != null && !run.finishing && !answered.ack().ok()) {
      // no turn to interrupt yet (the thread is still starting): closing the thread fails the
      // queued turn, which ends the attempt the same way
      closeThread(run);
    }
    return Behaviors.same();
  }

  private void failAttempt(Run run, String error) {
    Instant retryAt = run.attempt < run.spec.maxAttempts()
        ? settings.clock().instant().plus(settings.backoff().delay(Math.max(0, run.attempt - 1)))
        : null;
    record(run, replyTo -> new JobEntity.FailAttempt(error, retryAt, replyTo));
  }

  /** Sends the attempt's outcome to the entity; the slot frees once it is stored. */
  private void record(Run run,
      java.util.function.Function<ActorRef<JobEntity.Reply>, JobEntity.Command> command) {
    run.finishing = true;
    timers.cancel(timeoutKey(run.jobId));
    context.ask(JobEntity.Reply.class, entity(run.jobId), ENTITY_TIMEOUT, command::apply,
        (reply, failure) -> new OutcomeRecorded(run.jobId, run.token, reply, failure));
  }

  private Behavior<Command> onOutcomeRecorded(OutcomeRecorded recorded) {
    Run run = current(recorded.jobId(), recorded.token());
    if (run == null) {
      return Behaviors.same();
    }
    endRun(run);
    JobEntity.Reply reply = recorded.reply() != null ? recorded.reply()
        : new JobEntity.Reply.Rejected("unavailable",
            "the job store did not answer: " + recorded.failure());
    if (reply instanceof JobEntity.Reply.Current current) {
      Job job = current.job();
      if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
        scheduleRetry(job.id(), job.retryAt());
      }
      if (job.status() == JobStatus.CANCELLED) {
        run.cancelWaiters.forEach(waiter -> waiter.tell(reply));
        run.cancelWaiters.clear();
      }
    } else {
      context.getLog().warn("job {}: outcome not recorded: {}", run.jobId, reply);
    }
    // the turn finished before the cancel reached it: the entity says why it can't be cancelled
    answerCancelWaitersDirectly(run);
    startWhatFits();
    return Behaviors.same();
  }

  private void answerCancelWaitersDirectly(Run run) {
    for (ActorRef<JobEntity.Reply> waiter : run.cancelWaiters) {
      entity(run.jobId).tell(new JobEntity.Cancel("cancelled by request", waiter));
    }
    run.cancelWaiters.clear();
  }

  // ---- retries ----

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

  // ---- cancel ----

  private Behavior<Command> onCancel(Cancel cancel) {
    String jobId = cancel.jobId();
    if (!isValidId(jobId)) {
      cancel.replyTo().tell(new JobEntity.Reply.NotFound(jobId));
      return Behaviors.same();
    }
    Run run = running.get(jobId);
    if (run != null) {
      if (run.finishing) {
        // the outcome is being stored; the cancel is answered after it
        run.cancelWaiters.add(cancel.replyTo());
        return Behaviors.same();
      }
      boolean first = !run.cancelRequested();
      run.cancelWaiters.add(cancel.replyTo());
      if (first) {
        interrupt(run);
      }
      return Behaviors.same();
    }
    Queued queued = queuedById.remove(jobId);
    if (queued != null) {
      queue.remove(queued);
    }
    if (retrying.remove(jobId)) {
      timers.cancel(retryKey(jobId));
    }
    entity(jobId).tell(new JobEntity.Cancel("cancelled by request", cancel.replyTo()));
    return Behaviors.same();
  }

  // ---- helpers ----

  private Run current(String jobId, long token) {
    Run run = running.get(jobId);
    return run != null && run.token == token ? run : null;
  }

  private void endRun(Run run) {
    timers.cancel(timeoutKey(run.jobId));
    running.remove(run.jobId);
  }

  private void closeThread(Run run) {
    if (run.thread != null) {
      run.thread.tell(new CodexThread.Close("closed by the dispatcher"));
    }
  }

  private String timeoutMessage(Run run) {
    return "attempt " + run.attempt + " timed out after " + run.spec.timeoutSeconds() + " s";
  }

  private ActorRef<JobEntity.Command> entity(String jobId) {
    return entities.computeIfAbsent(jobId,
        id -> context.spawn(JobEntity.create(id, settings.clock()), id));
  }

  private static boolean isValidId(String jobId) {
    return jobId != null && VALID_ID.matcher(jobId).matches();
  }

  private static String timeoutKey(String jobId) {
    return "timeout|" + jobId;
  }

  private static String retryKey(String jobId) {
    return "retry|" + jobId;
  }
}
