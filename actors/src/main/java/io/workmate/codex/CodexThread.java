package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.Approvals;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.TextInput;
import io.workmate.protocol.codex.ThreadStart;
import io.workmate.protocol.codex.TurnRequests;
import io.workmate.protocol.codex.TurnStatus;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
 * at a time (later ones queue), streams every item and delta to subscribers, interrupts and steers
 * the running turn, and answers approval requests by policy or holds them for a reviewer.
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

  private record ControlAnswered(String what, CallResult result, ActorRef<Ack> replyTo)
      implements Command {}

  private record ResumeAnswered(CallResult result) implements Command {}

  private enum Tick implements Command {
    WATCHDOG,
    RETRY_START,
    DRAIN_TIMEOUT
  }

  private record ApprovalExpired(String approvalId) implements Command {}

  private record SubscriberGone(ActorRef<ThreadEvent> subscriber) implements Command {}

  /** The app-server answers every call (result, error, timeout or death); this is a backstop. */
  private static final Duration CALL_DEADLINE = Duration.ofMinutes(10);
  private static final int MAX_START_ATTEMPTS = 60;
  private static final Duration START_RETRY = Duration.ofMillis(500);

  public static Behavior<Command> create(ActorRef<CodexAppServer.Command> server,
      ThreadSettings settings, Optional<String> resumeThreadId,
      List<ActorRef<ThreadEvent>> subscribers) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        Math.max(1, settings.maxQueuedTurns()),
        stash -> new CodexThread(server, settings, context, timers, stash, subscribers)
            .start(resumeThreadId))));
  }

  private final ActorRef<CodexAppServer.Command> server;
  private final ThreadSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final ActorRef<AppServerEvent> serverEvents;
  private final JsonRpcCodec codec = new JsonRpcCodec();
  private final Set<ActorRef<ThreadEvent>> subscribers = new HashSet<>();

  private String threadId;
  private int startAttempts;
  private long turnSeq;
  private ActiveTurn turn;

  private CodexThread(ActorRef<CodexAppServer.Command> server, ThreadSettings settings,
      ActorContext<Command> context, TimerScheduler<Command> timers, StashBuffer<Command> stash,
      List<ActorRef<ThreadEvent>> initialSubscribers) {
    this.server = server;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.serverEvents = context.messageAdapter(AppServerEvent.class, FromServer::new);
    initialSubscribers.forEach(this::addSubscriber);
  }

  /** The turn in flight. Mutable, but only ever touched by this actor. */
  private static final class ActiveTurn {
    final long seq;
    final RunTurn request;
    final long startedNanos = System.nanoTime();
    final List<JsonNode> items = new ArrayList<>();
    final Map<String, Held> approvals = new LinkedHashMap<>();
    String turnId;
    String lastAgentText = "";
    String lastError;
    boolean interruptRequested;
    long lastEventNanos = System.nanoTime();

    ActiveTurn(long seq, RunTurn request) {
      this.seq = seq;
      this.request = request;
    }
  }

  /** An approval codex is waiting on, with the JSON-RPC id to answer it under. */
  private record Held(PendingApproval approval, JsonNode requestId, boolean legacy) {}

  // --- what every state does alike ----------------------------------------------------------

  /** Subscriptions, info and stop, the same in every state. */
  private BehaviorBuilder<Command> common(String state) {
    return Behaviors.receive(Command.class)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(SubscriberGone.class, this::onSubscriberGone)
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

  // --- starting -----------------------------------------------------------------------------

  private Behavior<Command> start(Optional<String> resumeThreadId) {
    resumeThreadId.ifPresent(id -> threadId = id);
    requestStart();
    return starting();
  }

  private void requestStart() {
    startAttempts++;
    if (threadId != null) {
      call(CodexMethods.THREAD_RESUME, resumeParams(), true, r -> new StartAnswered(r, true));
    } else {
      ThreadStart.Params params = new ThreadStart.Params(settings.model().orElse(null),
          settings.cwd().toString(), settings.approvalPolicy(), settings.sandbox(),
          settings.configOverrides(), null, null);
      call(CodexMethods.THREAD_START, codec.toTree(params), true,
          r -> new StartAnswered(r, false));
    }
  }

  /**
   * One call to the app-server, its answer mapped to a message of ours. A message adapter would
   * not do: there is one adapter per reply class, so the last registered mapping would take the
   * answers of every call still in flight.
   */
  private void call(String method, JsonNode params, boolean attachThread,
      java.util.function.Function<CallResult, Command> onAnswer) {
    Optional<ActorRef<AppServerEvent>> attach =
        attachThread ? Optional.of(serverEvents) : Optional.empty();
    context.ask(CallResult.class, server, CALL_DEADLINE,
        replyTo -> new CodexAppServer.Call(method, params, Optional.empty(), attach, replyTo),
        (result, failure) -> onAnswer.apply(result != null ? result
            : CallResult.Failure.of(CallResult.Kind.TIMEOUT,
                "no answer to " + method + " from the app-server actor")));
  }

  private JsonNode resumeParams() {
    return codec.toTree(new ThreadStart.ResumeParams(threadId, settings.model().orElse(null),
        settings.cwd().toString(), settings.approvalPolicy(), settings.sandbox(), true));
  }

  private Behavior<Command> starting() {
    return withoutTurn("starting")
        .onMessage(StartAnswered.class, this::onStartAnswered)
        .onMessage(Tick.class, tick -> {
          if (tick == Tick.RETRY_START) {
            requestStart();
          }
          return Behaviors.same();
        })
        .onMessage(FromServer.class, message -> Behaviors.same())
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .build();
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
    JsonNode result = ((CallResult.Success) answered.result()).result();
    threadId = result.path("thread").path("id").asText(null);
    if (threadId == null) {
      return closeThread("codex answered thread/start without a thread id");
    }
    context.getLog().debug("thread {} {}", threadId, answered.resume() ? "resumed" : "started");
    publish(new ThreadEvent.Ready(threadId, answered.resume()));
    return stash.unstashAll(idle());
  }

  // --- idle ---------------------------------------------------------------------------------

  private Behavior<Command> idle() {
    return withoutTurn("idle")
        .onMessage(RunTurn.class, this::beginTurn)
        .onMessage(FromServer.class, this::onServerEventWhileIdle)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(ApprovalExpired.class, expired -> Behaviors.same())
        .onMessage(TurnStartAnswered.class, answered -> Behaviors.same())
        .onMessage(ControlAnswered.class, this::onControlAnswered)
        .onMessage(StartAnswered.class, answered -> Behaviors.same())
        .onMessage(ResumeAnswered.class, answered -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onServerEventWhileIdle(FromServer message) {
    AppServerEvent event = message.event();
    if (event instanceof AppServerEvent.ProcessDown down) {
      publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
      return recovering();
    }
    if (event instanceof AppServerEvent.ServerRequest request) {
      // no turn of ours is running: nothing to approve
      answerApproval(request.requestId(), isLegacy(request.method()), ApprovalDecision.CANCEL);
    }
    return Behaviors.same();
  }

  private Behavior<Command> beginTurn(RunTurn request) {
    if (request.prompt() == null || request.prompt().isBlank()) {
      request.replyTo().tell(failedBeforeStart("the prompt is empty"));
      return Behaviors.same();
    }
    turn = new ActiveTurn(++turnSeq, request);
    TurnOptions options = request.options();
    TurnRequests.StartParams params = new TurnRequests.StartParams(threadId,
        List.of(TextInput.of(request.prompt())),
        options.cwd().map(Path::toString).orElse(null),
        options.approvalPolicy().orElse(null), options.model().orElse(null));
    long seq = turn.seq;
    call(CodexMethods.TURN_START, codec.toTree(params), false,
        r -> new TurnStartAnswered(seq, r));
    timers.startTimerWithFixedDelay(Tick.WATCHDOG, watchdogPeriod());
    return running();
  }

  private Duration watchdogPeriod() {
    Duration quarter = settings.turnWatchdog().dividedBy(4);
    return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? quarter : Duration.ofSeconds(1);
  }

  // --- running ------------------------------------------------------------------------------

  private Behavior<Command> running() {
    return common("running")
        .onMessage(FromServer.class, this::onServerEventWhileRunning)
        .onMessage(TurnStartAnswered.class, this::onTurnStartAnswered)
        .onMessage(Interrupt.class, this::onInterrupt)
        .onMessage(Steer.class, this::onSteer)
        .onMessage(Decide.class, this::onDecide)
        .onMessage(ApprovalExpired.class, this::onApprovalExpired)
        .onMessage(ControlAnswered.class, this::onControlAnswered)
        .onMessage(Tick.class, this::onTickWhileRunning)
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, this::closeWhileRunning)
        .onMessage(StartAnswered.class, answered -> Behaviors.same())
        .onMessage(ResumeAnswered.class, answered -> Behaviors.same())
        .build();
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
    JsonNode result = ((CallResult.Success) answered.result()).result();
    String turnId = result.path("turn").path("id").asText(null);
    if (turn.turnId == null && turnId != null) {
      turn.turnId = turnId;
    }
    touch();
    if (turn.interruptRequested) {
      sendInterrupt(null);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onServerEventWhileRunning(FromServer message) {
    AppServerEvent event = message.event();
    if (event instanceof AppServerEvent.Notification notification) {
      return onNotification(notification.method(), notification.params());
    }
    if (event instanceof AppServerEvent.ServerRequest request) {
      return onApprovalRequest(request);
    }
    if (event instanceof AppServerEvent.ProcessDown down) {
      publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
      dropApprovals();
      finishTurnResult(TurnResult.Outcome.FAILED, "the codex app-server process died during "
          + "the turn (" + down.reason() + "); the thread will be resumed on a restarted process");
      return recovering();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onNotification(String method, JsonNode params) {
    String turnId = params.path("turnId").asText(null);
    if (turnId == null) {
      turnId = params.path("turn").path("id").asText(null);
    }
    if (turnId != null && turn.turnId != null && !turnId.equals(turn.turnId)) {
      return Behaviors.same(); // a late event of an earlier turn
    }
    touch();
    switch (method) {
      case CodexMethods.TURN_STARTED:
        if (turn.turnId == null) {
          turn.turnId = turnId;
        }
        if (turn.interruptRequested) {
          sendInterrupt(null);
        }
        publish(new ThreadEvent.TurnStarted(threadId, turnId));
        return Behaviors.same();
      case CodexMethods.ITEM_STARTED:
        publish(new ThreadEvent.ItemStarted(threadId, turnId, params.path("item")));
        return Behaviors.same();
      case CodexMethods.ITEM_COMPLETED:
        onItemCompleted(turnId, params.path("item"));
        return Behaviors.same();
      case CodexMethods.AGENT_MESSAGE_DELTA:
        publish(new ThreadEvent.AgentMessageDelta(threadId, turnId,
            params.path("itemId").asText(), params.path("delta").asText()));
        return Behaviors.same();
      case CodexMethods.COMMAND_OUTPUT_DELTA:
        publish(new ThreadEvent.CommandOutputDelta(threadId, turnId,
            params.path("itemId").asText(), params.path("delta").asText()));
        return Behaviors.same();
      case CodexMethods.ERROR:
        if (!params.path("willRetry").asBoolean(false)) {
          turn.lastError = params.path("error").path("message").asText(null);
        }
        publish(new ThreadEvent.Notice(threadId, method, params));
        return Behaviors.same();
      case CodexMethods.TURN_COMPLETED:
        return onTurnCompleted(params.path("turn"));
      default:
        publish(new ThreadEvent.Notice(threadId, method, params));
        return Behaviors.same();
    }
  }

  private void onItemCompleted(String turnId, JsonNode item) {
    turn.items.add(item);
    if ("agentMessage".equals(item.path("type").asText())) {
      turn.lastAgentText = item.path("text").asText("");
    }
    publish(new ThreadEvent.ItemCompleted(threadId, turnId, item));
  }

  private Behavior<Command> onTurnCompleted(JsonNode completed) {
    if (turn.turnId == null) {
      turn.turnId = completed.path("id").asText(null);
    }
    TurnStatus status = statusOf(completed);
    String error = completed.path("error").path("message").asText(null);
    if (error == null) {
      error = turn.lastError;
    }
    if (turn.lastAgentText.isEmpty()) {
      // codex summarises agent messages on turn/completed; use it if item/completed was missed
      for (JsonNode item : completed.path("items")) {
        if ("agentMessage".equals(item.path("type").asText())) {
          turn.lastAgentText = item.path("text").asText("");
        }
      }
    }
    switch (status) {
      case COMPLETED:
        return finishTurn(TurnResult.Outcome.COMPLETED, null);
      case INTERRUPTED:
        return finishTurn(TurnResult.Outcome.INTERRUPTED,
            error != null ? error : "the turn was interrupted");
      default:
        return finishTurn(TurnResult.Outcome.FAILED,
            error != null ? error : "codex reported the turn as " + completed.path("status"));
    }
  }

  private TurnStatus statusOf(JsonNode completedTurn) {
    try {
      TurnStatus status = codec.fromTree(completedTurn, io.workmate.protocol.codex.Turn.class)
          .status();
      return status == null ? TurnStatus.UNKNOWN : status;
    } catch (io.workmate.protocol.jsonrpc.MalformedMessageException e) {
      return TurnStatus.UNKNOWN;
    }
  }

  private void touch() {
    turn.lastEventNanos = System.nanoTime();
  }

  private Behavior<Command> onTickWhileRunning(Tick tick) {
    if (tick != Tick.WATCHDOG || turn == null) {
      return Behaviors.same();
    }
    if (!turn.approvals.isEmpty() && settings.approvals().mode() == ApprovalHandling.Mode.ASK) {
      touch(); // waiting for a reviewer is not a stall
      return Behaviors.same();
    }
    long silentNanos = System.nanoTime() - turn.lastEventNanos;
    if (silentNanos < settings.turnWatchdog().toNanos()) {
      return Behaviors.same();
    }
    String reason = "turn watchdog: no event from codex for "
        + Duration.ofNanos(silentNanos).toSeconds() + " s (limit " + settings.turnWatchdog()
        .toSeconds() + " s); the model provider's stream may be stalled. The turn was interrupted.";
    context.getLog().warn("thread {}: {}", threadId, reason);
    String stalledTurnId = turn.turnId;
    if (stalledTurnId != null) {
      sendInterrupt(null);
    }
    dropApprovals();
    finishTurnResult(TurnResult.Outcome.FAILED, reason);
    if (stalledTurnId == null) {
      return stash.unstashAll(idle());
    }
    timers.startSingleTimer(Tick.DRAIN_TIMEOUT, settings.drainTimeout());
    return draining(stalledTurnId);
  }

  // --- interrupt, steer ---------------------------------------------------------------------

  private Behavior<Command> onInterrupt(Interrupt interrupt) {
    turn.interruptRequested = true;
    if (turn.turnId == null) {
      interrupt.replyTo().tell(Ack.ok("interrupt will be sent as soon as codex names the turn"));
    } else {
      sendInterrupt(interrupt.replyTo());
    }
    return Behaviors.same();
  }

  private void sendInterrupt(ActorRef<Ack> replyTo) {
    TurnRequests.InterruptParams params = new TurnRequests.InterruptParams(threadId, turn.turnId);
    call(CodexMethods.TURN_INTERRUPT, codec.toTree(params), false,
        r -> new ControlAnswered(CodexMethods.TURN_INTERRUPT, r, replyTo));
  }

  private Behavior<Command> onSteer(Steer steer) {
    if (turn.turnId == null) {
      return refuse(steer.replyTo(), "the turn has not started on codex yet; try again");
    }
    if (steer.text() == null || steer.text().isBlank()) {
      return refuse(steer.replyTo(), "steering text is empty");
    }
    TurnRequests.SteerParams params = new TurnRequests.SteerParams(threadId,
        List.of(TextInput.of(steer.text())), turn.turnId);
    call(CodexMethods.TURN_STEER, codec.toTree(params), false,
        r -> new ControlAnswered(CodexMethods.TURN_STEER, r, steer.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onControlAnswered(ControlAnswered answered) {
    if (answered.replyTo() == null) {
      if (answered.result() instanceof CallResult.Failure failure) {
        context.getLog().debug("thread {}: {} failed: {}", threadId, answered.what(),
            failure.reason());
      }
      return Behaviors.same();
    }
    if (answered.result() instanceof CallResult.Failure failure) {
      answered.replyTo().tell(Ack.refused(answered.what() + " failed: " + failure.reason()));
    } else {
      answered.replyTo().tell(Ack.ok(answered.what() + " sent"));
    }
    return Behaviors.same();
  }

  // --- approvals ----------------------------------------------------------------------------

  private Behavior<Command> onApprovalRequest(AppServerEvent.ServerRequest request) {
    touch();
    boolean legacy = isLegacy(request.method());
    PendingApproval approval = describeApproval(request, legacy);
    Held held = new Held(approval, request.requestId(), legacy);
    publish(new ThreadEvent.ApprovalRequested(threadId, approval));
    switch (settings.approvals().mode()) {
      case ACCEPT:
        resolve(held, ApprovalDecision.ACCEPT, ThreadEvent.DecidedBy.POLICY);
        break;
      case DECLINE:
        resolve(held, ApprovalDecision.DECLINE, ThreadEvent.DecidedBy.POLICY);
        break;
      default:
        turn.approvals.put(approval.id(), held);
        timers.startSingleTimer(new ApprovalExpired(approval.id()), settings.approvals().timeout());
    }
    return Behaviors.same();
  }

  private PendingApproval describeApproval(AppServerEvent.ServerRequest request, boolean legacy) {
    JsonNode params = request.params() == null ? codec.mapper().createObjectNode()
        : request.params();
    boolean command = CodexMethods.COMMAND_APPROVAL.equals(request.method())
        || CodexMethods.LEGACY_EXEC_APPROVAL.equals(request.method());
    String summary;
    if (command) {
      JsonNode commandNode = params.path("command");
      summary = commandNode.isArray() ? joinArray(commandNode) : commandNode.asText("");
    } else {
      summary = legacy ? "apply changes to " + params.path("fileChanges").size() + " file(s)"
          : "apply the file changes of item " + params.path("itemId").asText("?");
    }
    Instant now = Instant.now();
    return new PendingApproval("ap-" + UUID.randomUUID(), threadId,
        legacy ? turn.turnId : params.path("turnId").asText(turn.turnId),
        command ? "command" : "fileChange", request.method(), summary,
        params.path("cwd").asText(null), params.path("reason").asText(null), now,
        now.plus(settings.approvals().timeout()));
  }

  private static String joinArray(JsonNode array) {
    List<String> parts = new ArrayList<>();
    array.forEach(part -> parts.add(part.asText()));
    return String.join(" ", parts);
  }

  private static boolean isLegacy(String method) {
    return CodexMethods.LEGACY_EXEC_APPROVAL.equals(method)
        || CodexMethods.LEGACY_PATCH_APPROVAL.equals(method);
  }

  private Behavior<Command> onDecide(Decide decide) {
    Held held = turn.approvals.remove(decide.approvalId());
    if (held == null) {
      return refuse(decide.replyTo(), noApproval(decide));
    }
    timers.cancel(new ApprovalExpired(decide.approvalId()));
    resolve(held, decide.decision(), ThreadEvent.DecidedBy.REVIEWER);
    decide.replyTo().tell(Ack.ok(decide.decision().wire() + " sent to codex"));
    return Behaviors.same();
  }

  private Behavior<Command> onApprovalExpired(ApprovalExpired expired) {
    Held held = turn.approvals.remove(expired.approvalId());
    if (held != null) {
      context.getLog().info("thread {}: approval {} timed out; answering {}", threadId,
          expired.approvalId(), settings.approvals().onTimeout());
      resolve(held, settings.approvals().onTimeout(), ThreadEvent.DecidedBy.TIMEOUT);
    }
    return Behaviors.same();
  }

  private void resolve(Held held, ApprovalDecision decision, ThreadEvent.DecidedBy by) {
    touch();
    answerApproval(held.requestId(), held.legacy(), decision);
    publish(new ThreadEvent.ApprovalResolved(threadId, held.approval().id(), decision.wire(), by));
  }

  private void answerApproval(JsonNode requestId, boolean legacy, ApprovalDecision decision) {
    JsonNode result = legacy
        ? codec.toTree(new Approvals.LegacyResponse(decision.legacyWire()))
        : codec.toTree(new Approvals.Response(decision));
    server.tell(new CodexAppServer.Answer(requestId, result, null));
  }

  /** Codex keeps waiting for answers to requests of an ended turn; cancel them. */
  private void dropApprovals() {
    for (Held held : turn.approvals.values()) {
      timers.cancel(new ApprovalExpired(held.approval().id()));
      answerApproval(held.requestId(), held.legacy(), ApprovalDecision.CANCEL);
      publish(new ThreadEvent.ApprovalResolved(threadId, held.approval().id(),
          ApprovalDecision.CANCEL.wire(), ThreadEvent.DecidedBy.TURN_ENDED));
    }
    turn.approvals.clear();
  }

  private static String noApproval(Decide decide) {
    return "no pending approval " + decide.approvalId() + " on this thread";
  }

  // --- finishing ----------------------------------------------------------------------------

  private Behavior<Command> finishTurn(TurnResult.Outcome outcome, String error) {
    dropApprovals();
    finishTurnResult(outcome, error);
    return stash.unstashAll(idle());
  }

  /** Replies, publishes and forgets the turn; the caller picks the next state. */
  private void finishTurnResult(TurnResult.Outcome outcome, String error) {
    timers.cancel(Tick.WATCHDOG);
    TurnResult result = new TurnResult(threadId, Optional.ofNullable(turn.turnId), outcome,
        turn.lastAgentText, Optional.ofNullable(error), List.copyOf(turn.items),
        Duration.ofNanos(System.nanoTime() - turn.startedNanos));
    turn.request.replyTo().tell(result);
    publish(new ThreadEvent.TurnFinished(threadId, result));
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
    return withoutTurn("draining")
        .onMessage(FromServer.class, message -> {
          AppServerEvent event = message.event();
          if (event instanceof AppServerEvent.ProcessDown down) {
            timers.cancel(Tick.DRAIN_TIMEOUT);
            publish(new ThreadEvent.ProcessLost(threadId, down.reason()));
            return recovering();
          }
          if (event instanceof AppServerEvent.ServerRequest request) {
            answerApproval(request.requestId(), isLegacy(request.method()),
                ApprovalDecision.CANCEL);
          }
          if (event instanceof AppServerEvent.Notification notification
              && CodexMethods.TURN_COMPLETED.equals(notification.method())
              && stalledTurnId.equals(
                  notification.params().path("turn").path("id").asText(""))) {
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
        .onMessage(ControlAnswered.class, this::onControlAnswered)
        .onMessage(TurnStartAnswered.class, answered -> Behaviors.same())
        .onMessage(ApprovalExpired.class, expired -> Behaviors.same())
        .onMessage(StartAnswered.class, answered -> Behaviors.same())
        .onMessage(ResumeAnswered.class, answered -> Behaviors.same())
        .build();
  }

  // --- recovering ---------------------------------------------------------------------------

  private Behavior<Command> recovering() {
    return withoutTurn("recovering")
        .onMessage(FromServer.class, message -> {
          if (message.event() instanceof AppServerEvent.ProcessUp) {
            call(CodexMethods.THREAD_RESUME, resumeParams(), true, ResumeAnswered::new);
          } else if (message.event() instanceof AppServerEvent.ServerRequest request) {
            answerApproval(request.requestId(), isLegacy(request.method()),
                ApprovalDecision.CANCEL);
          }
          return Behaviors.same();
        })
        .onMessage(ResumeAnswered.class, this::onResumeAnswered)
        .onMessage(RunTurn.class, this::queueTurn)
        .onMessage(Close.class, close -> closeThread(close.reason()))
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(ControlAnswered.class, this::onControlAnswered)
        .onMessage(TurnStartAnswered.class, answered -> Behaviors.same())
        .onMessage(ApprovalExpired.class, expired -> Behaviors.same())
        .onMessage(StartAnswered.class, answered -> Behaviors.same())
        .build();
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
    publish(new ThreadEvent.Ready(threadId, true));
    return stash.unstashAll(idle());
  }

  // --- closing ------------------------------------------------------------------------------

  private Behavior<Command> closeWhileRunning(Close close) {
    if (turn.turnId != null) {
      sendInterrupt(null);
    }
    dropApprovals();
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
    publish(new ThreadEvent.Closed(threadId == null ? "" : threadId, reason));
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    if (turn != null) {
      dropApprovals();
      finishTurnResult(TurnResult.Outcome.INTERRUPTED, "the thread actor stopped");
    }
    if (threadId != null) {
      server.tell(new CodexAppServer.Detach(threadId));
    }
    return Behaviors.same();
  }

  // --- subscribers and info -----------------------------------------------------------------

  private Behavior<Command> onSubscribe(Subscribe subscribe) {
    addSubscriber(subscribe.subscriber());
    if (threadId != null) {
      subscribe.subscriber().tell(new ThreadEvent.Ready(threadId, false));
    }
    return Behaviors.same();
  }

  private void addSubscriber(ActorRef<ThreadEvent> subscriber) {
    if (subscribers.add(subscriber)) {
      context.watchWith(subscriber, new SubscriberGone(subscriber));
    }
  }

  private Behavior<Command> onUnsubscribe(Unsubscribe unsubscribe) {
    if (subscribers.remove(unsubscribe.subscriber())) {
      context.unwatch(unsubscribe.subscriber());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSubscriberGone(SubscriberGone gone) {
    subscribers.remove(gone.subscriber());
    return Behaviors.same();
  }

  private void publish(ThreadEvent event) {
    for (ActorRef<ThreadEvent> subscriber : subscribers) {
      subscriber.tell(event);
    }
  }

  private Behavior<Command> reportInfo(GetInfo request, String state) {
    List<PendingApproval> approvals = turn == null ? List.of()
        : turn.approvals.values().stream().map(Held::approval).toList();
    request.replyTo().tell(new Info(Optional.ofNullable(threadId), state,
        turn == null ? Optional.empty() : Optional.ofNullable(turn.turnId), stash.size(),
        approvals));
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
