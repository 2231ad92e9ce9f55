package io.workmate.jobs;

import io.workmate.jobs.JobEvent.ApprovalAwaited;
import io.workmate.jobs.JobEvent.ApprovalResumed;
import io.workmate.jobs.JobEvent.AttemptFailed;
import io.workmate.jobs.JobEvent.AttemptStarted;
import io.workmate.jobs.JobEvent.Cancelled;
import io.workmate.jobs.JobEvent.DeadLettered;
import io.workmate.jobs.JobEvent.Requeued;
import io.workmate.jobs.JobEvent.Retried;
import io.workmate.jobs.JobEvent.Submitted;
import io.workmate.jobs.JobEvent.Succeeded;
import io.workmate.jobs.JobEvent.ThreadAttached;
import io.workmate.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One job of the durable queue, event-sourced: persistence id {@code job|<jobId>}, every event
 * tagged {@value #TAG} (the dispatcher rebuilds its queue from {@code eventsByTag} after a
 * restart). It only records transitions and checks they are allowed; deciding when to start,
 * retry or time out an attempt is the dispatcher's job.
 *
 * <pre>
 * Submit            (none)                    → queued
 * Start             queued, failed            → running (attempts + 1)
 * AwaitApproval     running                   → waiting_approval
 * ApprovalAnswered  waiting_approval          → running
 * Succeed           running                   → succeeded
 * FailAttempt       running, waiting_approval → failed (retryAt), or dead when none is left
 * Requeue           running, waiting_approval → queued (attempt stays counted), or dead
 * Cancel            any non-terminal          → cancelled
 * Retry             dead                      → queued (attempts reset to 0)
 * AttachThread      running, waiting_approval → (same status, the thread id recorded)
 * Expire            queued, failed            → dead (the deadline passed between attempts)
 * </pre>
 *
 * <p>A command that does not fit the current status is answered with {@link Reply.Rejected}
 * ({@value #INVALID_TRANSITION}); any command but {@link Submit} to a job that was never
 * submitted with {@link Reply.NotFound}. Nothing is thrown at the caller.
 */
public final class JobEntity extends EventSourcedBehavior<JobEntity.Command, JobEvent, JobEntity.State> {

  /** The tag of every job event. */
  public static final String TAG = "job";

  /** The entity type part of the persistence id ({@code job|<jobId>}). */
  public static final String ENTITY_TYPE = "job";

  /** The code of {@link Reply.Rejected} for a command the job's status does not allow. */
  public static final String INVALID_TRANSITION = "invalid_transition";

  /** Transitions kept in the state for {@link GetHistory}; older ones stay in the journal only. */
  public static final int HISTORY_LIMIT = 200;

  static final int SNAPSHOT_EVERY = 100;
  static final int SNAPSHOTS_KEPT = 2;

  private static final Set<JobStatus> STARTABLE = EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED);
  private static final Set<JobStatus> IN_ATTEMPT =
      EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL);
  private static final Set<JobStatus> NOT_TERMINAL =
      EnumSet.complementOf(EnumSet.of(JobStatus.SUCCEEDED, JobStatus.CANCELLED, JobStatus.DEAD));

  // ---- protocol ----

  /** What the entity understands; every command is answered on its {@code replyTo}. */
  public sealed interface Command extends CborSerializable {
    ActorRef<Reply> replyTo();
  }

  /** Creates the job; on an existing job, answers with it unchanged (idempotent). */
  public record Submit(JobSpec spec, ActorRef<Reply> replyTo) implements Command {}

  /** queued/failed → running; counts one more attempt. {@code threadId} may be null. */
  public record Start(String agent, String threadId, ActorRef<Reply> replyTo) implements Command {}

  /** running → waiting_approval. */
  public record AwaitApproval(String approvalId, ActorRef<Reply> replyTo) implements Command {}

  /** waiting_approval → running. */
  public record ApprovalAnswered(ActorRef<Reply> replyTo) implements Command {}

  /** running → succeeded with the agent's final text. */
  public record Succeed(String text, ActorRef<Reply> replyTo) implements Command {}

  /**
   * running/waiting_approval → failed, due again at {@code retryAt}; → dead instead when no
   * attempt is left or {@code retryAt} is null (the dispatcher found the failure not retryable,
   * or the deadline leaves no room for another attempt).
   */
  public record FailAttempt(String error, Instant retryAt, ActorRef<Reply> replyTo)
      implements Command {}

  /** Any non-terminal status → cancelled. */
  public record Cancel(String reason, ActorRef<Reply> replyTo) implements Command {}

  /**
   * running/waiting_approval → queued after the attempt was cut short (a crash, a lost process);
   * the attempt stays counted, so when it was the last one the job goes dead instead.
   */
  public record Requeue(String reason, ActorRef<Reply> replyTo) implements Command {}

  /** dead → queued with a fresh set of attempts ({@code POST /v1/jobs/{id}/retry}). */
  public record Retry(ActorRef<Reply> replyTo) implements Command {}

  /** Records the thread the running attempt's backend opened ({@code threadId} of the job). */
  public record AttachThread(String threadId, ActorRef<Reply> replyTo) implements Command {}

  /** queued/failed → dead: the job's deadline passed before it could (re)start. */
  public record Expire(String reason, ActorRef<Reply> replyTo) implements Command {}

  /** Answers {@link Reply.Current}. */
  public record Get(ActorRef<Reply> replyTo) implements Command {}

  /** Answers {@link Reply.History}. */
  public record GetHistory(ActorRef<Reply> replyTo) implements Command {}

  /** Every answer of the entity. */
  public sealed interface Reply extends CborSerializable {

    /** The job after the command (unchanged for {@link Get} and a repeated {@link Submit}). */
    record Current(Job job) implements Reply {}

    /** The latest transitions, oldest first, at most {@value JobEntity#HISTORY_LIMIT}. */
    record History(String jobId, List<JobEvent> events) implements Reply {}

    /** The command does not fit the job's status; nothing changed (HTTP 409). */
    record Rejected(String code, String message) implements Reply {}

    /** No job was ever submitted under this id (HTTP 404). */
    record NotFound(String jobId) implements Reply {}
  }

  /**
   * The entity's state, also its snapshot: the job ({@code null} until submitted) and its latest
   * transitions, kept here so the history is readable after recovery from a snapshot.
   */
  public record State(Job job, List<JobEvent> history) implements CborSerializable {

    public State {
      history = history == null ? List.of() : List.copyOf(history);
    }

    static State notSubmitted() {
      return new State(null, List.of());
    }

    boolean hasJob() {
      return job != null;
    }

    State record(JobEvent event, Job changed) {
      List<JobEvent> latest = new ArrayList<>(history.size() + 1);
      int from = Math.max(0, history.size() + 1 - HISTORY_LIMIT);
      latest.addAll(history.subList(from, history.size()));
      latest.add(event);
      return new State(changed, latest);
    }
  }

  // ---- behavior ----

  private final String jobId;
  private final Clock clock;

  /** The entity of {@code jobId}, stamping events with the system clock. */
  public static Behavior<Command> create(String jobId) {
    return create(jobId, Clock.systemUTC());
  }

  /** The entity of {@code jobId}, stamping events with {@code clock}. */
  public static Behavior<Command> create(String jobId, Clock clock) {
    return new JobEntity(jobId, clock);
  }

  /** {@code job|<jobId>}. */
  public static PersistenceId persistenceId(String jobId) {
    return PersistenceId.of(ENTITY_TYPE, jobId);
  }

  private JobEntity(String jobId, Clock clock) {
    super(persistenceId(jobId));
    this.jobId = Objects.requireNonNull(jobId, "jobId");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public State emptyState() {
    return State.notSubmitted();
  }

  @Override
  public Set<String> tagsFor(JobEvent event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Cheap insurance: recovery replays at most SNAPSHOT_EVERY events, even for a job that
    // cycled through many approvals or requeues.
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, SNAPSHOTS_KEPT);
  }

  @Override
  public CommandHandler<Command, JobEvent, State> commandHandler() {
    var builder = newCommandHandlerBuilder();
    builder.forState(state -> !state.hasJob())
        .onCommand(Submit.class, this::submitNew)
        .onAnyCommand(command -> Effect().reply(command.replyTo(), new Reply.NotFound(jobId)));
    builder.forState(State::hasJob)
        .onCommand(Submit.class, (state, submit) -> replyCurrent(state, submit.replyTo()))
        .onCommand(Get.class, (state, get) -> replyCurrent(state, get.replyTo()))
        .onCommand(GetHistory.class, (state, get) ->
            Effect().reply(get.replyTo(), new Reply.History(jobId, state.history())))
        .onCommand(Start.class, this::start)
        .onCommand(AwaitApproval.class, this::awaitApproval)
        .onCommand(ApprovalAnswered.class, this::approvalAnswered)
        .onCommand(Succeed.class, this::succeed)
        .onCommand(FailAttempt.class, this::failAttempt)
        .onCommand(Cancel.class, this::cancel)
        .onCommand(Requeue.class, this::requeue)
        .onCommand(Retry.class, this::retry)
        .onCommand(AttachThread.class, this::attachThread)
        .onCommand(Expire.class, this::expire);
    return builder.build();
  }

  private Effect<JobEvent, State> submitNew(State state, Submit submit) {
    return persistAndReply(new Submitted(jobId, submit.spec(), now()), submit.replyTo());
  }

  private Effect<JobEvent, State> start(State state, Start start) {
    return transition(state, STARTABLE, "be started", start.replyTo(), job ->
        new AttemptStarted(jobId, job.attempts() + 1, start.agent(), start.threadId(), now()));
  }

  private Effect<JobEvent, State> awaitApproval(State state, AwaitApproval await) {
    return transition(state, EnumSet.of(JobStatus.RUNNING), "wait for an approval",
        await.replyTo(), job -> new ApprovalAwaited(jobId, await.approvalId(), now()));
  }

  private Effect<JobEvent, State> approvalAnswered(State state, ApprovalAnswered answered) {
    return transition(state, EnumSet.of(JobStatus.WAITING_APPROVAL), "resume after an approval",
        answered.replyTo(), job -> new ApprovalResumed(jobId, job.approvalId(), now()));
  }

  private Effect<JobEvent, State> succeed(State state, Succeed succeed) {
    return transition(state, EnumSet.of(JobStatus.RUNNING), "succeed", succeed.replyTo(),
        job -> new Succeeded(jobId, succeed.text(), now()));
  }

  private Effect<JobEvent, State> failAttempt(State state, FailAttempt fail) {
    return transition(state, IN_ATTEMPT, "fail an attempt", fail.replyTo(), job ->
        job.hasAttemptsLeft() && fail.retryAt() != null
            ? new AttemptFailed(jobId, job.attempts(), fail.error(), fail.retryAt(), now())
            : new DeadLettered(jobId, job.attempts(), fail.error(), now()));
  }

  private Effect<JobEvent, State> cancel(State state, Cancel cancel) {
    return transition(state, NOT_TERMINAL, "be cancelled", cancel.replyTo(),
        job -> new Cancelled(jobId, cancel.reason(), now()));
  }

  private Effect<JobEvent, State> requeue(State state, Requeue requeue) {
    return transition(state, IN_ATTEMPT, "be requeued", requeue.replyTo(), job ->
        job.hasAttemptsLeft()
            ? new Requeued(jobId, job.attempts(), requeue.reason(), now())
            : new DeadLettered(jobId, job.attempts(), requeue.reason(), now()));
  }

  private Effect<JobEvent, State> retry(State state, Retry retry) {
    return transition(state, EnumSet.of(JobStatus.DEAD), "be retried", retry.replyTo(),
        job -> new Retried(jobId, now()));
  }

  private Effect<JobEvent, State> attachThread(State state, AttachThread attach) {
    return transition(state, IN_ATTEMPT, "take a thread", attach.replyTo(),
        job -> new ThreadAttached(jobId, job.attempts(), attach.threadId(), now()));
  }

  private Effect<JobEvent, State> expire(State state, Expire expire) {
    return transition(state, STARTABLE, "expire", expire.replyTo(),
        job -> new DeadLettered(jobId, job.attempts(), expire.reason(), now()));
  }

  /** Persists the event {@code toEvent} makes of the job if its status is in {@code allowed}. */
  private Effect<JobEvent, State> transition(State state, Set<JobStatus> allowed, String action,
      ActorRef<Reply> replyTo, Function<Job, JobEvent> toEvent) {
    JobStatus status = state.job().status();
    if (!allowed.contains(status)) {
      return Effect().reply(replyTo, new Reply.Rejected(INVALID_TRANSITION,
          "job " + jobId + " is " + status.wireName() + "; it cannot " + action));
    }
    return persistAndReply(toEvent.apply(state.job()), replyTo);
  }

  private Effect<JobEvent, State> persistAndReply(JobEvent event, ActorRef<Reply> replyTo) {
    // Reply only once the event is stored: an answered command survives a crash.
    return Effect().persist(event).thenReply(replyTo, stored -> new Reply.Current(stored.job()));
  }

  private Effect<JobEvent, State> replyCurrent(State state, ActorRef<Reply> replyTo) {
    return Effect().reply(replyTo, new Reply.Current(state.job()));
  }

  private Instant now() {
    return clock.instant();
  }

  @Override
  public EventHandler<State, JobEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Submitted.class, (state, event) -> state.record(event, Job.after(event)))
        .onEvent(AttemptStarted.class, applying(Job::after))
        .onEvent(ApprovalAwaited.class, applying(Job::after))
        .onEvent(ApprovalResumed.class, applying(Job::after))
        .onEvent(Succeeded.class, applying(Job::after))
        .onEvent(AttemptFailed.class, applying(Job::after))
        .onEvent(Cancelled.class, applying(Job::after))
        .onEvent(DeadLettered.class, applying(Job::after))
        .onEvent(Requeued.class, applying(Job::after))
        .onEvent(Retried.class, applying(Job::after))
        .onEvent(ThreadAttached.class, applying(Job::after))
        .build();
  }

  /** An event handler that changes the job by {@code change} and records the event. */
  private static <E extends JobEvent> BiFunction<State, E, State> applying(
      BiFunction<Job, E, Job> change) {
    return (state, event) -> state.record(event, change.apply(state.job(), event));
  }
}
