package io.workmate.jobs.dispatch;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.Backoff;
import io.workmate.workspaces.Workspaces;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One attempt of one job, from its {@code Start} in the ledger to its recorded outcome: a child
 * of the {@link JobDispatcher}, shaped like the IoT tutorial's {@code DeviceGroupQuery}. It owns
 * the attempt's timers (its timeout and the job's deadline), the approvals the agent waits on,
 * the interrupt, and reports its end to the dispatcher exactly once ({@link NotStarted} or
 * {@link Recorded}), then stops; updates that arrive later are dropped with it.
 *
 * <pre>
 * starting ──Start stored──▶ running ⇄ awaitingApproval
 *     │                         │ timeout, deadline, cancel, release
 *     │ (a stop asked early)    ▼
 *     └───────────────────▶ interrupting ──Finished, or abandoned──▶ recording ──stored──▶ (stop)
 * </pre>
 *
 * <p>Why it stops ({@link Stop}) is carried by {@code interrupting}: a cancel outranks a release,
 * a release the deadline, the deadline the attempt's timeout. A cancel wins over a success that
 * crossed it; any other stop does not.
 *
 * <p>Each state picks its handler with {@code instanceof} rather than a {@code BehaviorBuilder}:
 * an attempt is spawned per job and builds each of its states once, and the builders' lists were
 * a fifth of the bytes the jobs bench allocated per job (JFR, docs/performance.md).
 */
public final class JobAttempt {

  /** After an interrupt, how long the agent may take to end the invocation before it is dropped. */
  static final Duration ABANDON_AFTER = Duration.ofSeconds(30);
  static final Duration DECIDE_TIMEOUT = Duration.ofSeconds(30);
  /**
   * The wait before the outcome is sent again when the journal did not store it, doubled per try
   * up to {@link #RECORD_AGAIN_MAX}: it is sent until it is stored (a disk full for a while must
   * not leave the job running until the next restart), and the agent's slot stays taken.
   */
  static final Duration RECORD_AGAIN_AFTER = Duration.ofSeconds(2);
  static final Duration RECORD_AGAIN_MAX = Duration.ofSeconds(10);
  /**
   * What an op sent to the ledger is for, carried as its {@code ticket} so the answer finds its
   * handler: the attempt sends its ops with one adapter, and sets no timer for them, since the
   * ledger answers every op, if need be as not stored ({@link JobLedger}).
   */
  private static final long START_OP = 1;
  private static final long OUTCOME_OP = 2;
  private static final long OBSERVED_OP = 3;

  /** The error of a job whose deadline passed. */
  static final String DEADLINE_PASSED = "the job's deadline passed";

  // ---- protocol ----

  public sealed interface Command {}

  /** Cancels the job: {@code replyTo} hears the cancelled job, or the ledger's refusal. */
  public record Cancel(ActorRef<JobReply> replyTo) implements Command {}

  /** The service stops: interrupt and give the attempt back ({@link JobOp.Release}). */
  public record Release(String reason) implements Command {}

  /** As {@link Release}, only when the attempt waits for a person's approval. */
  public record ReleaseIfAwaitingApproval(String reason) implements Command {}

  /** Answers one of the attempt's approvals. */
  public record Decide(String approvalId, ApprovalDecision decision,
      ActorRef<ApprovalAnswer> replyTo) implements Command {}

  private record StartAnswered(JobReply reply, String failure) implements Command {}

  private record FromAgent(Agent.Update update) implements Command {}

  private record TimeoutDue() implements Command {}

  private record DeadlineDue() implements Command {}

  private record AbandonDue() implements Command {}

  private record LedgerObserved(JobReply reply) implements Command {}

  private record OutcomeAnswered(JobReply reply, String failure) implements Command {}

  private record RecordAgain() implements Command {}

  /** What an attempt tells its dispatcher. */
  public sealed interface Report {
    String jobId();
  }

  /** The attempt's one report of its end. */
  public sealed interface Ended extends Report {
    /** The job as the ledger has it at the end, or null when the ledger did not say. */
    Job job();

    /**
     * Cancel requests still to be answered: the dispatcher answers them with the job once it has
     * freed the attempt's slot (with the ledger's word when the job did not end cancelled).
     */
    List<ActorRef<JobReply>> cancels();
  }

  /** The ledger answered one of the attempt's ops with the job as it is now. */
  public record JobChanged(String jobId, Job job) implements Report {}

  /** An item or approval event for the job's watchers. */
  public record Feed(String jobId, JobFeed event) implements Report {}

  /** The approvals the attempt waits on now (empty: none). */
  public record ApprovalsChanged(String jobId, int attempt, List<PendingApproval> pending)
      implements Report {}

  /**
   * The end: the ledger did not start the attempt ({@code job} as the ledger has it, or null when
   * it did not answer). {@code cancels}: cancel requests still to be answered.
   */
  public record NotStarted(String jobId, Job job, String why, List<ActorRef<JobReply>> cancels)
      implements Ended {}

  /**
   * The end: the outcome ({@code succeeded}, {@code failed}, {@code timed_out},
   * {@code interrupted}, {@code cancelled} or {@code released}) is stored; {@code reply} is the
   * ledger's answer to it. {@code cancels}: cancel requests still to be answered.
   */
  public record Recorded(String jobId, String outcome, JobReply reply, Duration ran,
      List<ActorRef<JobReply>> cancels) implements Ended {
    @Override
    public Job job() {
      return reply instanceof JobReply.Current current ? current.job() : null;
    }
  }

  /** Why a running attempt is being interrupted; the higher rank decides the outcome. */
  sealed interface Stop {
    int rank();
  }

  record TimedOut() implements Stop {
    public int rank() {
      return 1;
    }
  }

  record DeadlinePassed() implements Stop {
    public int rank() {
      return 2;
    }
  }

  record Released(String reason, String withdrawnApprovalId) implements Stop {
    public int rank() {
      return 3;
    }
  }

  record Cancelled() implements Stop {
    public int rank() {
      return 4;
    }
  }

  /**
   * The attempt of {@code jobId} on {@code agent}: it applies {@code Start} to the job in
   * {@code ledger} and tells {@code reportTo} what happens.
   */
  public static Behavior<Command> create(String jobId, JobSpec spec, AgentHandle agent,
      ActorRef<JobLedger.Command> ledger, Clock clock, Backoff backoff,
      ActorRef<Report> reportTo) {
    return create(jobId, spec, agent, ledger, clock, backoff, reportTo, null);
  }

  /** {@code workspaces}: where a job with a workspace gets its worktree (null: none here). */
  public static Behavior<Command> create(String jobId, JobSpec spec, AgentHandle agent,
      ActorRef<JobLedger.Command> ledger, Clock clock, Backoff backoff,
      ActorRef<Report> reportTo, ActorRef<Workspaces.Command> workspaces) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new JobAttempt(context,
        timers, jobId, spec, agent, ledger, clock, backoff, reportTo, workspaces)
        .starting(null)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String jobId;
  private final JobSpec spec;
  private final AgentHandle agent;
  private final ActorRef<JobLedger.Command> ledger;
  private final Clock clock;
  private final Backoff backoff;
  private final ActorRef<Report> reportTo;
  private final ActorRef<Workspaces.Command> workspaces;
  /** Where the invocation's messages go: the agent, or the job's {@link WorkspaceInvocation}. */
  private ActorRef<Agent.Command> invocationTarget;
  private final ActorRef<JobLedger.Answered> ledgerAnswers;
  /** The approvals the agent waits on, oldest first: the ledger knows the job waits meanwhile. */
  private final Map<String, PendingApproval> approvals = new LinkedHashMap<>();
  private final List<ActorRef<JobReply>> cancelWaiters = new ArrayList<>();
  private int attempt;
  private String invocationId;
  private Instant startedAt;

  private JobAttempt(ActorContext<Command> context, TimerScheduler<Command> timers, String jobId,
      JobSpec spec, AgentHandle agent, ActorRef<JobLedger.Command> ledger, Clock clock,
      Backoff backoff, ActorRef<Report> reportTo, ActorRef<Workspaces.Command> workspaces) {
    this.context = context;
    this.workspaces = workspaces;
    this.invocationTarget = agent.ref();
    this.timers = timers;
    this.jobId = jobId;
    this.spec = spec;
    this.agent = agent;
    this.ledger = ledger;
    this.clock = clock;
    this.backoff = backoff;
    this.reportTo = reportTo;
    timers.startSingleTimer("timeout", new TimeoutDue(),
        Duration.ofSeconds(spec.timeoutSeconds()));
    if (spec.deadline() != null) {
      Duration untilDeadline = Duration.between(clock.instant(), spec.deadline());
      timers.startSingleTimer("deadline", new DeadlineDue(),
          untilDeadline.isNegative() ? Duration.ZERO : untilDeadline);
    }
    this.ledgerAnswers = context.messageAdapter(JobLedger.Answered.class, answered ->
        answered.ticket() == START_OP ? new StartAnswered(answered.reply(), answered.failure())
            : answered.ticket() == OUTCOME_OP
                ? new OutcomeAnswered(answered.reply(), answered.failure())
                : new LedgerObserved(answered.reply()));
    apply(new JobOp.Start(agent.id(), null), START_OP);
  }

  // ---- starting: the ledger has not answered the Start yet ----

  /** @param early a stop asked before the agent was invoked (null: none), acted on at start */
  private Behavior<Command> starting(Stop early) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof StartAnswered answered) {
        return onStartAnswered(answered, early);
      } else if (message instanceof Cancel cancel) {
        cancelWaiters.add(cancel.replyTo());
        return starting(stronger(early, new Cancelled()));
      } else if (message instanceof Release release) {
        return starting(stronger(early, new Released(release.reason(), null)));
      } else if (message instanceof TimeoutDue) {
        return starting(stronger(early, timeoutKind()));
      } else if (message instanceof DeadlineDue) {
        return starting(stronger(early, new DeadlinePassed()));
      } else if (message instanceof Decide decide) {
        return notFound(decide);
      }
      return Behaviors.same();
    });
  }

  private Behavior<Command> onStartAnswered(StartAnswered answered, Stop early) {
    if (!(answered.reply() instanceof JobReply.Current current)
        || current.job().status() != JobStatus.RUNNING) {
      // cancelled meanwhile, or the store failed: this attempt never started
      String why = answered.reply() != null ? answered.reply().toString() : answered.failure();
      Job job = answered.reply() instanceof JobReply.Current current ? current.job() : null;
      reportTo.tell(new NotStarted(jobId, job, why, List.copyOf(cancelWaiters)));
      return Behaviors.stopped();
    }
    reportTo.tell(new JobChanged(jobId, current.job()));
    attempt = current.job().attempts();
    startedAt = clock.instant();
    if (early != null) {
      return recordStop(early, null);
    }
    invocationId = jobId + "#" + attempt;
    Agent.Invocation invocation = new Agent.Invocation(invocationId, spec.prompt(), spec.cwd(),
        spec.approvalPolicy(), Duration.ofSeconds(spec.timeoutSeconds()));
    if (spec.workspace() != null) {
      if (workspaces == null) {
        return failAttempt("this node runs no job workspaces", "failed", false);
      }
      invocationTarget = context.spawn(WorkspaceInvocation.create(jobId, spec.workspace(),
          current.job().workspace(), agent.ref(), ledger, workspaces), "workspace-" + attempt);
    }
    invocationTarget.tell(new Agent.Invoke(invocation,
        context.messageAdapter(Agent.Update.class, FromAgent::new)));
    return running();
  }

  // ---- running: the agent works ----

  private Behavior<Command> running() {
    return Behaviors.receiveMessage(this::whileAgentWorks);
  }

  /** What running and awaitingApproval do alike. */
  private Behavior<Command> whileAgentWorks(Command message) {
    if (message instanceof FromAgent fromAgent) {
      return onUpdate(fromAgent.update(), null);
    } else if (message instanceof Cancel cancel) {
      return onCancel(cancel);
    } else if (message instanceof Release release) {
      return interrupt(released(release.reason()));
    } else if (message instanceof TimeoutDue) {
      return interrupt(timeoutKind());
    } else if (message instanceof DeadlineDue) {
      return interrupt(new DeadlinePassed());
    }
    return inAnyWorkingState(message);
  }

  // ---- awaitingApproval: the agent waits for a person ----

  private Behavior<Command> awaitingApproval() {
    return Behaviors.receiveMessage(message ->
        message instanceof ReleaseIfAwaitingApproval release
            ? interrupt(released(release.reason())) : whileAgentWorks(message));
  }

  // ---- interrupting: the agent was told to stop and has not ended the invocation yet ----

  private Behavior<Command> interrupt(Stop why) {
    invocationTarget.tell(new Agent.Interrupt(invocationId));
    timers.startSingleTimer("abandon", new AbandonDue(), ABANDON_AFTER);
    return interrupting(why);
  }

  private Behavior<Command> interrupting(Stop why) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof FromAgent fromAgent) {
        return onUpdate(fromAgent.update(), why);
      } else if (message instanceof Cancel cancel) {
        cancelWaiters.add(cancel.replyTo());
        return interrupting(stronger(why, new Cancelled()));
      } else if (message instanceof Release release) {
        return interrupting(stronger(why, released(release.reason())));
      } else if (message instanceof ReleaseIfAwaitingApproval release) {
        return approvals.isEmpty()
            ? Behaviors.same() : interrupting(stronger(why, released(release.reason())));
      } else if (message instanceof DeadlineDue) {
        return interrupting(stronger(why, new DeadlinePassed()));
      } else if (message instanceof AbandonDue) {
        return onAbandonDue(why);
      }
      return inAnyWorkingState(message);
    });
  }

  private Behavior<Command> onAbandonDue(Stop why) {
    context.getLog().warn("job {}: agent {} did not end attempt {} within {} of the interrupt; "
        + "dropping it", jobId, agent.id(), attempt, ABANDON_AFTER);
    return onFinished(new Agent.Update.Finished(invocationId, Agent.Outcome.INTERRUPTED, null,
        "the agent did not stop within " + ABANDON_AFTER.toSeconds() + " s of an interrupt"), why);
  }

  /** What the agent's working states (running, awaitingApproval, interrupting) do alike. */
  private Behavior<Command> inAnyWorkingState(Command message) {
    if (message instanceof Decide decide) {
      return onDecide(decide);
    } else if (message instanceof LedgerObserved observed) {
      return onLedgerObserved(observed);
    }
    return Behaviors.same(); // stale timers and late answers
  }

  // ---- recording: the outcome goes to the ledger until it is stored ----

  private Behavior<Command> recording(String outcome, JobOp op, int tries) {
    timers.cancel("timeout");
    timers.cancel("deadline");
    timers.cancel("abandon");
    apply(op, OUTCOME_OP);
    return Behaviors.receiveMessage(message -> {
      if (message instanceof OutcomeAnswered answered) {
        return onOutcomeAnswered(outcome, tries, answered);
      } else if (message instanceof RecordAgain) {
        return recording(outcome, op, tries + 1);
      } else if (message instanceof Cancel cancel) {
        cancelWaiters.add(cancel.replyTo());
        return Behaviors.same();
      } else if (message instanceof Decide decide) {
        return notFound(decide);
      } else if (message instanceof LedgerObserved observed) {
        return onLedgerObserved(observed);
      }
      return Behaviors.same(); // agent updates and timers after the outcome
    });
  }

  private Behavior<Command> onOutcomeAnswered(String outcome, int tries,
      OutcomeAnswered answered) {
    if (answered.reply() == null) {
      Duration wait = RECORD_AGAIN_AFTER.multipliedBy(1L << Math.min(tries - 1, 3));
      wait = wait.compareTo(RECORD_AGAIN_MAX) > 0 ? RECORD_AGAIN_MAX : wait;
      context.getLog().warn("job {}: outcome not stored yet ({}), trying again in {}", jobId,
          answered.failure(), wait);
      timers.startSingleTimer("record-again", new RecordAgain(), wait);
      return Behaviors.same();
    }
    // the cancel requests are answered by the dispatcher once it has freed the slot, so an
    // answered cancel never finds the attempt still running
    reportTo.tell(new Recorded(jobId, outcome, answered.reply(),
        Duration.between(startedAt, clock.instant()), List.copyOf(cancelWaiters)));
    return Behaviors.stopped();
  }

  // ---- the agent's updates ----

  /** @param stopping why the attempt is being interrupted, or null while it runs */
  private Behavior<Command> onUpdate(Agent.Update update, Stop stopping) {
    if (!update.invocationId().equals(invocationId)) {
      return Behaviors.same();
    }
    if (update instanceof Agent.Update.Started started) {
      if (started.threadId() != null) {
        tellLedger(new JobOp.AttachThread(started.threadId()));
      }
    } else if (update instanceof Agent.Update.Item item) {
      reportTo.tell(new Feed(jobId, new JobFeed.Item(jobId, attempt, item.type(), item.data())));
    } else if (update instanceof Agent.Update.ApprovalRequested requested) {
      boolean first = approvals.isEmpty();
      PendingApproval approval = requested.approval();
      approvals.put(approval.id(), approval);
      reportApprovals();
      reportTo.tell(new Feed(jobId, new JobFeed.ApprovalRequested(jobId, attempt, approval)));
      if (first) {
        tellLedger(new JobOp.AwaitApproval(approval.id()));
        return stopping != null ? Behaviors.same() : awaitingApproval();
      }
    } else if (update instanceof Agent.Update.ApprovalResolved resolved) {
      boolean waited = !approvals.isEmpty();
      approvals.remove(resolved.approvalId());
      reportApprovals();
      reportTo.tell(new Feed(jobId, new JobFeed.ApprovalResolved(jobId, attempt,
          resolved.approvalId(), resolved.decision())));
      if (waited && approvals.isEmpty()) {
        tellLedger(new JobOp.ApprovalAnswered());
        return stopping != null ? Behaviors.same() : running();
      }
    } else if (update instanceof Agent.Update.Finished finished) {
      return onFinished(finished, stopping);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onFinished(Agent.Update.Finished finished, Stop stopping) {
    if (!approvals.isEmpty()) {
      approvals.clear();
      reportApprovals();
      // the ledger takes ops in order: the job runs again before the outcome arrives
      tellLedger(new JobOp.ApprovalAnswered());
    }
    if (finished.outcome() == Agent.Outcome.SUCCEEDED && !(stopping instanceof Cancelled)) {
      return recording("succeeded", new JobOp.Succeed(finished.text()), 1);
    }
    if (stopping != null) {
      return recordStop(stopping, finished.error());
    }
    return failAttempt(finished.error() != null ? finished.error()
            : "the agent failed without saying why",
        finished.outcome() == Agent.Outcome.INTERRUPTED ? "interrupted" : "failed", false);
  }

  /** Records the outcome {@code why} stands for ({@code error}: the agent's, may be null). */
  private Behavior<Command> recordStop(Stop why, String error) {
    if (why instanceof Cancelled) {
      return recording("cancelled", new JobOp.Cancel("cancelled by request"), 1);
    }
    if (why instanceof Released released) {
      return recording("released",
          new JobOp.Release(released.reason(), released.withdrawnApprovalId()), 1);
    }
    if (why instanceof DeadlinePassed) {
      return failAttempt(DEADLINE_PASSED, "timed_out", true);
    }
    return failAttempt("attempt " + attempt + " timed out after " + spec.timeoutSeconds() + " s",
        "timed_out", false);
  }

  private Behavior<Command> failAttempt(String error, String outcome, boolean deadlinePassed) {
    Instant retryAt = attempt < spec.maxAttempts()
        ? clock.instant().plus(backoff.delay(Math.max(0, attempt - 1)))
        : null;
    Instant deadline = spec.deadline();
    if (retryAt != null && deadline != null && (deadlinePassed || retryAt.isAfter(deadline))) {
      retryAt = null;
      error = error + " (the deadline leaves no room for another attempt)";
    }
    return recording(outcome, new JobOp.FailAttempt(error, retryAt), 1);
  }

  // ---- cancel, approvals, the ledger ----

  private Behavior<Command> onCancel(Cancel cancel) {
    cancelWaiters.add(cancel.replyTo());
    return interrupt(new Cancelled()); // the outcome is then recorded as cancelled
  }

  private Behavior<Command> onDecide(Decide decide) {
    if (!approvals.containsKey(decide.approvalId())) {
      return notFound(decide);
    }
    // answered straight to the caller: the attempt may have ended by the time the agent answers
    ActorRef<ApprovalAnswer> replyTo = decide.replyTo();
    AskPattern.<Agent.Command, Agent.Decided>ask(invocationTarget,
        decidedTo -> new Agent.Decide(invocationId, decide.approvalId(), decide.decision(),
            decidedTo), DECIDE_TIMEOUT, context.getSystem().scheduler())
        .whenComplete((decided, failure) -> replyTo.tell(decided != null && decided.ok()
            ? new ApprovalAnswer.Done(jobId, decide.approvalId())
            : new ApprovalAnswer.Refused(decide.approvalId(), decided != null
                ? decided.message() : "the agent did not answer: " + failure)));
    return Behaviors.same();
  }

  private Behavior<Command> notFound(Decide decide) {
    decide.replyTo().tell(new ApprovalAnswer.NotFound(decide.approvalId()));
    return Behaviors.same();
  }

  private Released released(String reason) {
    return new Released(reason, approvals.isEmpty() ? null : approvals.keySet().iterator().next());
  }

  private void reportApprovals() {
    reportTo.tell(new ApprovalsChanged(jobId, attempt, List.copyOf(approvals.values())));
  }

  /** An op whose answer only updates what the dispatcher knows of the job. */
  private void tellLedger(JobOp op) {
    apply(op, OBSERVED_OP);
  }

  private void apply(JobOp op, long purpose) {
    ledger.tell(new JobLedger.Apply(jobId, op, purpose, ledgerAnswers));
  }

  private Behavior<Command> onLedgerObserved(LedgerObserved observed) {
    if (observed.reply() instanceof JobReply.Current current) {
      reportTo.tell(new JobChanged(jobId, current.job()));
    } else if (observed.reply() != null) {
      context.getLog().debug("job {}: {}", jobId, observed.reply());
    }
    return Behaviors.same();
  }

  /** The attempt's own limit ran out: the job's deadline when that has passed too. */
  private Stop timeoutKind() {
    Instant deadline = spec.deadline();
    return deadline != null && !clock.instant().isBefore(deadline)
        ? new DeadlinePassed() : new TimedOut();
  }

  private static Stop stronger(Stop current, Stop next) {
    return current == null || next.rank() > current.rank() ? next : current;
  }
}
