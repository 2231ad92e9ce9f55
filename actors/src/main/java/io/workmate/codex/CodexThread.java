package io.workmate.codex;

import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.codex.Notifications;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One Codex conversation. Starts (or resumes) its thread on an app-server process, runs turns one
 * at a time (later ones queue), streams every item and delta to subscribers
 * ({@link ThreadSubscribers}), interrupts and steers the running turn ({@link RunningTurn}), and
 * answers approval requests by policy or holds them for a reviewer ({@link ThreadApprovals}).
 * What it sends codex is built in {@link ThreadCalls}; what codex sends it arrives decoded
 * ({@link CodexNotification}, {@link CodexRequest}).
 *
 * <p>States: {@link #starting} until codex knows the thread; {@link #idle}; {@link #running} a
 * turn; {@link #draining} after the watchdog gave up on a turn, until codex confirms its end;
 * {@link #recovering} after the process died, until the restarted process has resumed the thread
 * ({@code thread/resume}), so the next turn keeps the history.
 */
public final class CodexThread {

  public sealed interface Command {}

  public record RunTurn(String prompt, TurnOptions options, ActorRef<TurnResult> replyTo)
      implements Command {

    public RunTurn(String prompt, ActorRef<TurnResult> replyTo) {
      this(prompt, TurnOptions.NONE, replyTo);
    }
  }

  /** Per-turn overrides; empty fields keep the thread's settings. */
  public record TurnOptions(Optional<Path> cwd, Optional<ApprovalPolicy> approvalPolicy,
      Optional<String> model) {
    public static final TurnOptions NONE =
        new TurnOptions(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Adds input to the running turn. */
  public record Steer(String text, ActorRef<Ack> replyTo) implements Command {}

  /** Interrupts the running turn; it ends {@code INTERRUPTED}. */
  public record Interrupt(ActorRef<Ack> replyTo) implements Command {}

  /** A reviewer's answer to a pending approval. */
  public record Decide(String approvalId, ApprovalDecision decision, ActorRef<Ack> replyTo)
      implements Command {}

  public record Subscribe(ActorRef<ThreadEvent> subscriber) implements Command {}

  public record Unsubscribe(ActorRef<ThreadEvent> subscriber) implements Command {}

  public record GetInfo(ActorRef<Info> replyTo) implements Command {}

  /** Ends the thread: a running turn is interrupted first, best effort. */
  public record Close(String reason) implements Command {}

  public record Ack(boolean ok, String message) {
    public static Ack ok(String message) {
      return new Ack(true, message);
    }

    public static Ack refused(String message) {
      return new Ack(false, message);
    }
  }

  public record Info(Optional<String> threadId, String state, Optional<String> turnId,
      int queuedTurns, List<PendingApproval> pendingApprovals) {}

  private record FromServer(AppServerEvent event) implements Command {}

  private record StartAnswered(CallResult result, boolean resume) implements Command {}

  private record TurnStartAnswered(long turnSeq, CallResult result) implements Command {}

  /** Codex's answer to an interrupt or steer ({@link TurnControls}); nobody waits if no replyTo. */
  record ControlAnswered(String what, CallResult result, ActorRef<Ack> replyTo)
      implements Command {}

  private record ResumeAnswered(CallResult result) implements Command {}

  private enum Tick implements Command {
    WATCHDOG,
    RETRY_START,
    DRAIN_TIMEOUT
  }

  /** The deadline of a held approval ({@link ThreadApprovals} starts and cancels it). */
  record ApprovalExpired(String approvalId) implements Command {}

  /** A subscriber stopped ({@link ThreadSubscribers} watches them). */
  record SubscriberGone(ActorRef<ThreadEvent> subscriber) implements Command {}

  private static final int MAX_START_ATTEMPTS = 60;
  private static final Duration START_RETRY = Duration.ofMillis(500);

  public static Behavior<Command> create(ActorRef<CodexAppServer.Command> server,
      ThreadSettings settings, Optional<String> resumeThreadId,
      List<ActorRef<ThreadEvent>> subscribers) {
    return create(server, settings, resumeThreadId, subscribers, Clock.systemUTC());
  }

  /** {@code clock}: what approval deadlines, turn durations and the watchdog are read from. */
  public static Behavior<Command> create(ActorRef<CodexAppServer.Command> server,
      ThreadSettings settings, Optional<String> resumeThreadId,
      List<ActorRef<ThreadEvent>> subscribers, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        Math.max(1, settings.maxQueuedTurns()),
        stash -> new CodexThread(server, settings, clock, context, timers, stash, subscribers)
            .start(resumeThreadId))));
  }

  private final ThreadSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final ThreadCalls calls;
  private final ThreadSubscribers subscribers;
  private final ThreadApprovals approvals;
  private final TurnNotifications turnNotifications;
  private final TurnControls controls;
  private final TurnWatchdog watchdog;

  private String threadId;
  private int startAttempts;
  private long turnSeq;
  private RunningTurn turn;

  private CodexThread(ActorRef<CodexAppServer.Command> server, ThreadSettings settings,
      Clock clock, ActorContext<Command> context, TimerScheduler<Command> timers,
      StashBuffer<Command> stash, List<ActorRef<ThreadEvent>> initialSubscribers) {
    this.settings = settings;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.calls = new ThreadCalls(server, settings, context,
        context.messageAdapter(AppServerEvent.class, FromServer::new));
    this.subscribers = new ThreadSubscribers(context);
    this.approvals = new ThreadApprovals(settings.approvals(), calls, subscribers, timers, clock);
    this.turnNotifications = new TurnNotifications(subscribers);
    this.controls = new TurnControls(calls, context.getLog());
    this.watchdog = new TurnWatchdog(settings.turnWatchdog(), clock);
    initialSubscribers.forEach(subscribers::add);
  }

  // --- what every state does alike ----------------------------------------------------------

  /** Subscriptions, info and stop, the same in every state. */
  private BehaviorBuilder<Command> common(String state) {
    return Behaviors.receive(Command.class)
        .onMessage(Subscribe.class, subscribe -> {
          subscribers.subscribe(subscribe.subscriber(), Optional.ofNullable(threadId));
          return Behaviors.same();
        })
        .onMessage(Unsubscribe.class, unsubscribe -> {
          subscribers.remove(unsubscribe.subscriber());
          return Behaviors.same();
        })
        .onMessage(SubscriberGone.class, gone -> {
          subscribers.gone(gone.subscriber());
          return Behaviors.same();
        })
        .onMessage(GetInfo.class, info -> reportInfo(info, state))
        .onSignal(PostStop.class, signal -> onPostStop());
  }

  /** {@link #common} plus refusals of what only a running turn can take. */
  private BehaviorBuilder<Command> withoutTurn(String state) {
    return common(state)
        .onMessage(Interrupt.class, interrupt -> refuse(interrupt.replyTo(), "no turn is running"))
        .onMessage(Steer.class, steer -> refuse(steer.replyTo(), "no turn is running"))
        .onMessage(Decide.class, decide -> refuse(decide.replyTo(), noApproval(decide)));
  }

  /** Answers and timers a state has no use for (late ones of an earlier state): dropped. */
  private Behavior<Command> dropLate(BehaviorBuilder<Command> state) {
    return state
        .onMessage(StartAnswered.class, late -> Behaviors.same())
        .onMessage(ResumeAnswered.class, late -> Behaviors.same())
        .onMessage(TurnStartAnswered.class, late -> Behaviors.same())
        .onMessage(ApprovalExpired.class, late -> Behaviors.same())
        .onMessage(Tick.class, late -> Behaviors.same())
        .build();
  }

  // --- starting -----------------------------------------------------------------------------

  private Behavior<Command> start(Optional<String> resumeThreadId) {
    resumeThreadId.ifPresent(id -> threadId = id);
    requestStart();
    return starting();
  }

  private void requestStart() {
    startAttempts++;
    if (threadId != null) {
      calls.resumeThread(threadId, r -> new StartAnswered(r, true));
    } else {
      calls.startThread(r -> new StartAnswered(r, false));
    }
  }

  private Behavior<Command> starting() {
    return dropLate(withoutTurn("starting")
        .onMessage(StartAnswered.class, this::onStartAnswered)
        .onMessage(Tick.class, tick -> {
          if (tick == Tick.RETRY_START) {
            requestStart();
          }
          return Behaviors.same();
        })
        .onMessage(FromServer.class, message -> Behaviors.same())
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, close -> closeThread(close.reason())));
  }

  private Behavior<Command> onStartAnswered(StartAnswered answered) {
    if (answered.result() instanceof CallResult.Failure failure) {
      boolean transientFailure = failure.kind() == CallResult.Kind.PROCESS_UNAVAILABLE
          || failure.kind() == CallResult.Kind.TIMEOUT;
      if (transientFailure && startAttempts < MAX_START_ATTEMPTS) {
        context.getLog().info("thread {}: start deferred ({}), retrying", describe(),
            failure.reason());
        timers.startSingleTimer(Tick.RETRY_START, START_RETRY);
        return Behaviors.same();
      }
      String verb = answered.resume() ? "resume" : "start";
      return closeThread("could not " + verb + " the codex thread: " + failure.reason());
    }
    threadId = calls.threadIdOf((CallResult.Success) answered.result(), answered.resume())
        .orElse(null);
    if (threadId == null) {
      return closeThread("codex answered thread/start without a thread id");
    }
    context.getLog().debug("thread {} {}", threadId, answered.resume() ? "resumed" : "started");
    subscribers.publish(new ThreadEvent.Ready(threadId, answered.resume()));
    return stash.unstashAll(idle());
  }

  // --- idle ---------------------------------------------------------------------------------

  private Behavior<Command> idle() {
    return dropLate(withoutTurn("idle")
        .onMessage(RunTurn.class, this::beginTurn)
        .onMessage(FromServer.class, this::onServerEventWhileIdle)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .onMessage(ControlAnswered.class, this::onControlAnswered));
  }

  private Behavior<Command> onServerEventWhileIdle(FromServer message) {
    AppServerEvent event = message.event();
    if (event instanceof AppServerEvent.ProcessDown down) {
      subscribers.publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
      return recovering();
    }
    if (event instanceof AppServerEvent.ServerRequest request) {
      approvals.cancelUnowned(request.request()); // no turn of ours is running
    }
    return Behaviors.same();
  }

  private Behavior<Command> beginTurn(RunTurn request) {
    if (request.prompt() == null || request.prompt().isBlank()) {
      request.replyTo().tell(failedBeforeStart("the prompt is empty"));
      return Behaviors.same();
    }
    turn = new RunningTurn(++turnSeq, request, clock.instant());
    long seq = turn.seq;
    calls.startTurn(threadId, request, r -> new TurnStartAnswered(seq, r));
    timers.startTimerWithFixedDelay(Tick.WATCHDOG, watchdog.period());
    return running();
  }

  // --- running ------------------------------------------------------------------------------

  private Behavior<Command> running() {
    return dropLate(common("running")
        .onMessage(FromServer.class, this::onServerEventWhileRunning)
        .onMessage(TurnStartAnswered.class, this::onTurnStartAnswered)
        .onMessage(Interrupt.class, this::onInterrupt)
        .onMessage(Steer.class, this::onSteer)
        .onMessage(Decide.class, this::onDecide)
        .onMessage(ApprovalExpired.class, this::onApprovalExpired)
        .onMessage(ControlAnswered.class, this::onControlAnswered)
        .onMessage(Tick.class, this::onTickWhileRunning)
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, this::closeWhileRunning));
  }

  private Behavior<Command> onTurnStartAnswered(TurnStartAnswered answered) {
    if (turn == null || answered.turnSeq() != turn.seq) {
      return Behaviors.same();
    }
    if (answered.result() instanceof CallResult.Failure failure) {
      if (failure.kind() == CallResult.Kind.PROCESS_UNAVAILABLE) {
        // the ProcessDown event that follows fails the turn and starts recovery
        return Behaviors.same();
      }
      return finishTurn(TurnResult.Outcome.FAILED, "codex refused turn/start: " + failure.reason());
    }
    calls.turnIdOf((CallResult.Success) answered.result()).ifPresent(turn::named);
    touch();
    if (turn.interruptRequested()) {
      sendInterrupt(null);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onServerEventWhileRunning(FromServer message) {
    AppServerEvent event = message.event();
    if (event instanceof AppServerEvent.Notification notification) {
      return onNotification(notification.notification());
    }
    if (event instanceof AppServerEvent.ServerRequest request) {
      touch();
      approvals.requested(request.request(), threadId, turn.turnId());
      return Behaviors.same();
    }
    if (event instanceof AppServerEvent.ProcessDown down) {
      subscribers.publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
      approvals.turnEnded();
      finishTurnResult(TurnResult.Outcome.FAILED, "the codex app-server process died during "
          + "the turn (" + down.reason() + "); the thread will be resumed on a restarted process");
      return recovering();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onNotification(CodexNotification notification) {
    if (!turn.isAbout(notification.body().turnId())) {
      return Behaviors.same(); // a late event of an earlier turn
    }
    touch();
    Optional<TurnNotifications.Ended> ended =
        turnNotifications.apply(notification, threadId, turn);
    if (ended.isPresent()) {
      return finishTurn(ended.get().outcome(), ended.get().error());
    }
    if (notification.body() instanceof Notifications.TurnStarted && turn.interruptRequested()) {
      sendInterrupt(null);
    }
    return Behaviors.same();
  }

  private void touch() {
    turn.touch(clock.instant());
  }

  private Behavior<Command> onTickWhileRunning(Tick tick) {
    Optional<String> stalled = tick == Tick.WATCHDOG && turn != null
        ? watchdog.stalled(turn, approvals.awaitingReviewer()) : Optional.empty();
    return stalled.map(this::giveUpStalledTurn).orElseGet(Behaviors::same);
  }

  private Behavior<Command> giveUpStalledTurn(String reason) {
    context.getLog().warn("thread {}: {}", threadId, reason);
    String stalledTurnId = turn.turnId();
    if (stalledTurnId != null) {
      sendInterrupt(null);
    }
    approvals.turnEnded();
    finishTurnResult(TurnResult.Outcome.FAILED, reason);
    if (stalledTurnId == null) {
      return stash.unstashAll(idle());
    }
    timers.startSingleTimer(Tick.DRAIN_TIMEOUT, settings.drainTimeout());
    return draining(stalledTurnId);
  }

  // --- interrupt, steer, decide ------------------------------------------------------------

  private Behavior<Command> onInterrupt(Interrupt interrupt) {
    controls.interrupt(threadId, turn, interrupt.replyTo());
    return Behaviors.same();
  }

  private void sendInterrupt(ActorRef<Ack> replyTo) {
    controls.sendInterrupt(threadId, turn, replyTo);
  }

  private Behavior<Command> onSteer(Steer steer) {
    controls.steer(threadId, turn, steer);
    return Behaviors.same();
  }

  private Behavior<Command> onControlAnswered(ControlAnswered answered) {
    controls.answered(threadId, answered);
    return Behaviors.same();
  }

  private Behavior<Command> onDecide(Decide decide) {
    if (!approvals.decide(decide.approvalId(), decide.decision())) {
      return refuse(decide.replyTo(), noApproval(decide));
    }
    touch();
    decide.replyTo().tell(Ack.ok(decide.decision().wire() + " sent to codex"));
    return Behaviors.same();
  }

  private Behavior<Command> onApprovalExpired(ApprovalExpired expired) {
    if (approvals.expire(expired.approvalId())) {
      context.getLog().info("thread {}: approval {} timed out; answering {}", threadId,
          expired.approvalId(), settings.approvals().onTimeout());
      touch();
    }
    return Behaviors.same();
  }

  private static String noApproval(Decide decide) {
    return "no pending approval " + decide.approvalId() + " on this thread";
  }

  // --- finishing ----------------------------------------------------------------------------

  private Behavior<Command> finishTurn(TurnResult.Outcome outcome, String error) {
    approvals.turnEnded();
    finishTurnResult(outcome, error);
    return stash.unstashAll(idle());
  }

  /** Replies, publishes and forgets the turn; the caller picks the next state. */
  private void finishTurnResult(TurnResult.Outcome outcome, String error) {
    timers.cancel(Tick.WATCHDOG);
    TurnResult result = turn.result(threadId, outcome, error, clock.instant());
    turn.request.replyTo().tell(result);
    subscribers.publish(new ThreadEvent.TurnFinished(threadId, result));
    turn = null;
  }

  private TurnResult failedBeforeStart(String reason) {
    return new TurnResult(threadId, Optional.empty(), TurnResult.Outcome.FAILED, "",
        Optional.of(reason), List.of(), Duration.ZERO);
  }

  private Behavior<Command> queueTurn(RunTurn request) {
    if (stash.isFull()) {
      request.replyTo().tell(failedBeforeStart("thread is busy: " + settings.maxQueuedTurns()
          + " turns are queued already"));
    } else {
      stash.stash(request);
    }
    return Behaviors.same();
  }

  // --- draining -----------------------------------------------------------------------------

  private Behavior<Command> draining(String stalledTurnId) {
    return dropLate(withoutTurn("draining")
        .onMessage(FromServer.class, message -> {
          AppServerEvent event = message.event();
          if (event instanceof AppServerEvent.ProcessDown down) {
            timers.cancel(Tick.DRAIN_TIMEOUT);
            subscribers.publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
            return recovering();
          }
          if (event instanceof AppServerEvent.ServerRequest request) {
            approvals.cancelUnowned(request.request());
          }
          if (event instanceof AppServerEvent.Notification notification
              && notification.notification().body() instanceof Notifications.TurnCompleted done
              && stalledTurnId.equals(done.turnId())) {
            timers.cancel(Tick.DRAIN_TIMEOUT);
            return stash.unstashAll(idle());
          }
          return Behaviors.same();
        })
        .onMessage(Tick.class, tick -> {
          if (tick == Tick.DRAIN_TIMEOUT) {
            context.getLog().warn("thread {}: codex never confirmed the end of stalled turn {}",
                threadId, stalledTurnId);
            return stash.unstashAll(idle());
          }
          return Behaviors.same();
        })
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .onMessage(ControlAnswered.class, this::onControlAnswered));
  }

  // --- recovering ---------------------------------------------------------------------------

  private Behavior<Command> recovering() {
    return dropLate(withoutTurn("recovering")
        .onMessage(FromServer.class, message -> {
          if (message.event() instanceof AppServerEvent.ProcessUp) {
            calls.resumeThread(threadId, ResumeAnswered::new);
          } else if (message.event() instanceof AppServerEvent.ServerRequest request) {
            approvals.cancelUnowned(request.request());
          }
          return Behaviors.same();
        })
        .onMessage(ResumeAnswered.class, this::onResumeAnswered)
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .onMessage(ControlAnswered.class, this::onControlAnswered));
  }

  private Behavior<Command> onResumeAnswered(ResumeAnswered answered) {
    if (answered.result() instanceof CallResult.Failure failure) {
      if (failure.kind() == CallResult.Kind.REMOTE_ERROR) {
        return closeThread("codex could not resume the thread: " + failure.reason());
      }
      // the process went down again; the next ProcessUp retries
      context.getLog().info("thread {}: resume deferred: {}", threadId, failure.reason());
      return Behaviors.same();
    }
    context.getLog().info("thread {}: resumed on the restarted codex app-server", threadId);
    subscribers.publish(new ThreadEvent.Ready(threadId, true));
    return stash.unstashAll(idle());
  }

  // --- closing ------------------------------------------------------------------------------

  private Behavior<Command> closeWhileRunning(Close close) {
    if (turn.turnId() != null) {
      sendInterrupt(null);
    }
    approvals.turnEnded();
    finishTurnResult(TurnResult.Outcome.INTERRUPTED, "the thread was closed: " + close.reason());
    return closeThread(close.reason());
  }

  private Behavior<Command> closeThread(String reason) {
    if (!reason.startsWith("closed by")) {
      context.getLog().warn("thread {}: closing: {}", describe(), reason);
    }
    stash.forEach(command -> {
      if (command instanceof RunTurn queued) {
        queued.replyTo().tell(failedBeforeStart("the thread closed: " + reason));
      }
    });
    stash.clear();
    subscribers.publish(new ThreadEvent.Closed(threadId == null ? "" : threadId, reason));
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    if (turn != null) {
      approvals.turnEnded();
      finishTurnResult(TurnResult.Outcome.INTERRUPTED, "the thread actor stopped");
    }
    if (threadId != null) {
      calls.detach(threadId);
    }
    return Behaviors.same();
  }

  // --- info -------------------------------------------------------------------------------

  private Behavior<Command> reportInfo(GetInfo request, String state) {
    request.replyTo().tell(new Info(Optional.ofNullable(threadId), state,
        turn == null ? Optional.empty() : Optional.ofNullable(turn.turnId()), stash.size(),
        approvals.pending()));
    return Behaviors.same();
  }

  private Behavior<Command> refuse(ActorRef<Ack> replyTo, String message) {
    replyTo.tell(Ack.refused(message));
    return Behaviors.same();
  }

  private String describe() {
    return threadId != null ? threadId : "(new, " + context.getSelf().path().name() + ")";
  }
}
