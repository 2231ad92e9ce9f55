package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.codex.Initialize;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.RpcError;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns one {@code codex app-server} process: spawns it in a controlled environment, speaks
 * JSON-RPC over its stdio, registers calls and attached threads, and restarts the process with
 * backoff when it dies. Several {@link CodexThread}s share one process.
 *
 * <p>States: {@link #starting} (process spawned, {@code initialize} in flight; calls are
 * stashed), {@link #running}, {@link #backingOff} (process dead, restart scheduled; calls fail
 * fast so threads can report it). On stop the process's stdin is closed, then it is signalled,
 * and anything it left behind is killed.
 *
 * <p>Starting the process, writing to its stdin and stopping it block (stop for up to its grace
 * plus 3 s): {@link CodexPool} spawns this actor on the blocking dispatcher
 * ({@link io.workmate.support.BlockingThreads}). What codex sends is decoded and routed on the
 * process's reader thread by {@link AppServerRoutes}: answers to their calls, notifications and
 * approval requests to the thread attached under their {@code threadId}. Only what needs a write
 * (an approval request no thread takes) comes back here.
 */
public final class CodexAppServer {

  public sealed interface Command {}

  /** A JSON-RPC call. If {@code attach} is set, the thread in the result is attached to it. */
  public record Call(String method, JsonNode params, Optional<Duration> timeout,
      Optional<ActorRef<AppServerEvent>> attach, ActorRef<CallResult> replyTo)
      implements Command {

    public static Call of(String method, JsonNode params, ActorRef<CallResult> replyTo) {
      return new Call(method, params, Optional.empty(), Optional.empty(), replyTo);
    }
  }

  /** Answers a server-to-client request; exactly one of result and error is set. */
  public record Answer(JsonNode requestId, JsonNode result, RpcError error) implements Command {}

  public record Attach(String threadId, ActorRef<AppServerEvent> listener) implements Command {}

  public record Detach(String threadId) implements Command {}

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A snapshot for health reporting and tests. */
  public record Status(String name, String state, long pid, long generation, int restarts,
      int attachedThreads, int pendingCalls, Optional<String> lastExit) {}

  /** An approval request that no thread takes: answered with an error, here since it writes. */
  private record InboundRequest(long generation, CodexRequest request) implements Command {}

  private record Garbage(long generation, String problem) implements Command {}

  private record Exited(long generation, String description) implements Command {}

  private record CallTimedOut(long id) implements Command {}

  private record InitializeTimedOut(long generation) implements Command {}

  private enum Restart implements Command {
    INSTANCE
  }

  private static final int STASH_CAPACITY = 10_000;

  public static Behavior<Command> create(String name, AppServerSettings settings) {
    return create(name, settings, Clock.systemUTC());
  }

  /** {@code clock}: what the uptime that resets the restart backoff is measured on. */
  public static Behavior<Command> create(String name, AppServerSettings settings, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(
        STASH_CAPACITY,
        stash -> new CodexAppServer(name, settings, clock, context, timers, stash)
            .spawnProcess())));
  }

  private final String name;
  private final AppServerSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final JsonRpcCodec codec = JsonRpcCodec.shared();
  private final String instance = UUID.randomUUID().toString();
  private final AppServerRoutes routes;
  private final AppServerProcess.Sink sink;

  private AppServerProcess process;
  private long generation;
  private long nextId;
  private int consecutiveFailures;
  private int restarts;
  /** When the process answered initialize; null while it is not up. */
  private Instant upSince;
  private String lastExit;

  private CodexAppServer(String name, AppServerSettings settings, Clock clock,
      ActorContext<Command> context, TimerScheduler<Command> timers, StashBuffer<Command> stash) {
    this.name = name;
    this.settings = settings;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.stash = stash;
    this.routes = new AppServerRoutes(name, codec);
    ActorRef<Command> self = context.getSelf();
    this.sink = new AppServerProcess.Sink() {
      @Override
      public void answer(long gen, JsonRpcMessage message) {
        routes.answer(gen, message);
      }

      @Override
      public void notification(long gen, CodexNotification notification) {
        routes.notification(gen, notification);
      }

      @Override
      public void request(long gen, CodexRequest request) {
        if (!routes.request(gen, request)) {
          self.tell(new InboundRequest(gen, request));
        }
      }

      @Override
      public void garbage(long gen, String problem) {
        self.tell(new Garbage(gen, problem));
      }

      @Override
      public void exited(long gen, String description) {
        self.tell(new Exited(gen, description));
      }
    };
  }

  // --- states -------------------------------------------------------------------------------

  private Behavior<Command> spawnProcess() {
    generation++;
    routes.newGeneration(generation);
    try {
      process = AppServerProcess.start(name, generation, instance + "-" + generation, settings,
          codec, sink);
    } catch (IOException e) {
      return processDied("could not start " + settings.binary() + ": " + e.getMessage());
    }
    context.getLog().info("{}: started codex app-server pid {} (generation {})", name,
        process.pid(), generation);
    Initialize.Params params = new Initialize.Params(
        new Initialize.ClientInfo("workmate", "Workmate", WorkmateVersion.current()),
        new Initialize.Capabilities(false, settings.optOutNotifications()));
    send(CodexMethods.INITIALIZE, codec.toTree(params), Optional.empty(),
        Optional.of(initializeReplyTo()), Optional.of(settings.initializeTimeout()));
    timers.startSingleTimer(new InitializeTimedOut(generation),
        settings.initializeTimeout().plusSeconds(1));
    return starting();
  }

  private Behavior<Command> starting() {
    return Behaviors.receive(Command.class)
        .onMessage(InboundRequest.class, this::onServerRequest)
        .onMessage(Garbage.class, this::onGarbage)
        .onMessage(Exited.class, this::onExited)
        .onMessage(CallTimedOut.class, this::onCallTimedOut)
        .onMessage(InitializeTimedOut.class, this::onInitializeTimedOut)
        .onMessage(InitializeDone.class, this::onInitializeDone)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Detach.class, this::onDetach)
        .onMessage(GetStatus.class, status -> reportStatus(status, "starting"))
        .onMessage(Call.class, this::stashCall)
        .onMessage(Answer.class, this::onAnswer)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Call.class, this::onCall)
        .onMessage(Answer.class, this::onAnswer)
        .onMessage(InboundRequest.class, this::onServerRequest)
        .onMessage(Garbage.class, this::onGarbage)
        .onMessage(Exited.class, this::onExited)
        .onMessage(CallTimedOut.class, this::onCallTimedOut)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Detach.class, this::onDetach)
        .onMessage(GetStatus.class, status -> reportStatus(status, "running"))
        .onMessage(InitializeTimedOut.class, message -> Behaviors.same())
        .onMessage(InitializeDone.class, message -> Behaviors.same())
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> backingOff() {
    return Behaviors.receive(Command.class)
        .onMessage(Restart.class, restart -> spawnProcess())
        .onMessage(Call.class, this::failCallWhileDown)
        .onMessage(Answer.class, answer -> Behaviors.same())
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Detach.class, this::onDetach)
        .onMessage(GetStatus.class, status -> reportStatus(status, "restarting"))
        .onMessage(InboundRequest.class, message -> Behaviors.same())
        .onMessage(Garbage.class, message -> Behaviors.same())
        .onMessage(Exited.class, message -> Behaviors.same())
        .onMessage(CallTimedOut.class, message -> Behaviors.same())
        .onMessage(InitializeTimedOut.class, message -> Behaviors.same())
        .onMessage(InitializeDone.class, message -> Behaviors.same())
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  // --- initialize ---------------------------------------------------------------------------

  private record InitializeDone(long generation, CallResult result) implements Command {}

  private ActorRef<CallResult> initializeReplyTo() {
    long gen = generation;
    return context.messageAdapter(CallResult.class, result -> new InitializeDone(gen, result));
  }

  private Behavior<Command> onInitializeDone(InitializeDone done) {
    if (done.generation() != generation) {
      return Behaviors.same();
    }
    timers.cancel(new InitializeTimedOut(done.generation()));
    if (done.result() instanceof CallResult.Failure failure) {
      context.getLog().warn("{}: initialize failed: {}", name, failure.reason());
      process.stop(settings.stopGrace());
      return processDied("initialize failed: " + failure.reason());
    }
    try {
      process.send(codec.encode(new JsonRpcMessage.Notification(CodexMethods.INITIALIZED, null)));
    } catch (IOException e) {
      return Behaviors.same(); // the exit will arrive
    }
    upSince = clock.instant();
    context.getLog().info("{}: codex app-server ready (pid {}, generation {})", name,
        process.pid(), generation);
    routes.attachedThreads()
        .forEach(thread -> thread.tell(new AppServerEvent.ProcessUp(generation)));
    return stash.unstashAll(running());
  }

  private Behavior<Command> onInitializeTimedOut(InitializeTimedOut timeout) {
    if (timeout.generation() != generation) {
      return Behaviors.same();
    }
    context.getLog().warn("{}: no answer to initialize within {}; killing pid {}", name,
        settings.initializeTimeout(), process.pid());
    process.stop(Duration.ZERO);
    return processDied("no answer to initialize within " + settings.initializeTimeout());
  }

  // --- calls --------------------------------------------------------------------------------

  private Behavior<Command> stashCall(Call call) {
    if (stash.isFull()) {
      call.replyTo().tell(CallResult.Failure.of(CallResult.Kind.PROCESS_UNAVAILABLE,
          name + " is starting and has " + STASH_CAPACITY + " calls waiting already"));
    } else {
      stash.stash(call);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCall(Call call) {
    send(call.method(), call.params(), call.attach(), Optional.of(call.replyTo()),
        call.timeout());
    return Behaviors.same();
  }

  private Behavior<Command> failCallWhileDown(Call call) {
    call.replyTo().tell(CallResult.Failure.of(CallResult.Kind.PROCESS_UNAVAILABLE,
        "codex app-server " + name + " is restarting (last exit: " + lastExit + ")"));
    return Behaviors.same();
  }

  private void send(String method, JsonNode params, Optional<ActorRef<AppServerEvent>> attach,
      Optional<ActorRef<CallResult>> replyTo, Optional<Duration> timeout) {
    long id = nextId++;
    replyTo.ifPresent(ref -> {
      // not a timer of ours: the pump thread that takes the answer cancels it
      Cancellable timer = context.scheduleOnce(timeout.orElse(settings.requestTimeout()),
          context.getSelf(), new CallTimedOut(id));
      routes.expect(id, new AppServerRoutes.PendingCall(method, attach, ref, timer));
    });
    try {
      process.send(codec.encode(new JsonRpcMessage.Request(LongNode.valueOf(id), method, params)));
    } catch (IOException e) {
      // the process is dying; its exit fails every pending call with the real reason
      context.getLog().debug("{}: write of {} failed: {}", name, method, e.getMessage());
    }
  }

  private Behavior<Command> onCallTimedOut(CallTimedOut timeout) {
    routes.takeCall(timeout.id()).ifPresent(call -> call.replyTo().tell(CallResult.Failure.of(
        CallResult.Kind.TIMEOUT, "codex did not answer " + call.method() + " in time")));
    return Behaviors.same();
  }

  private Behavior<Command> onAnswer(Answer answer) {
    JsonRpcMessage reply = answer.error() != null
        ? new JsonRpcMessage.ErrorResponse(answer.requestId(), answer.error())
        : new JsonRpcMessage.Response(answer.requestId(), answer.result());
    try {
      process.send(codec.encode(reply));
    } catch (IOException e) {
      context.getLog().debug("{}: answer not delivered: {}", name, e.getMessage());
    }
    return Behaviors.same();
  }

  // --- inbound ------------------------------------------------------------------------------

  /** A request {@link AppServerRoutes} handed back: unsupported, or for no attached thread. */
  private Behavior<Command> onServerRequest(InboundRequest inbound) {
    if (!routes.isCurrent(inbound.generation())) {
      return Behaviors.same();
    }
    CodexRequest request = inbound.request();
    String threadId = request.threadId();
    Optional<ActorRef<AppServerEvent>> thread = routes.thread(threadId);
    if (!request.supported()) {
      context.getLog().warn("{}: codex sent a request Workmate does not handle: {} (answered "
          + "with an error)", name, request.method());
      answerError(request.id(), RpcError.METHOD_NOT_FOUND,
          "Workmate does not handle " + request.method());
      thread.ifPresent(attached -> attached.tell(new AppServerEvent.Notification(
          CodexNotification.of("workmate/unsupportedRequest", threadId,
              codec.mapper().createObjectNode().put("method", request.method())))));
      return Behaviors.same();
    }
    context.getLog().warn("{}: {} for thread {} which no Workmate thread owns; declined", name,
        request.method(), threadId);
    answerError(request.id(), RpcError.INVALID_REQUEST,
        "no Workmate thread is attached for thread " + threadId);
    return Behaviors.same();
  }

  private void answerError(JsonNode id, int code, String message) {
    onAnswer(new Answer(id, null, new RpcError(code, message)));
  }

  private Behavior<Command> onGarbage(Garbage garbage) {
    if (garbage.generation() == generation) {
      context.getLog().warn("{}: ignored a line on codex's stdout that is not JSON-RPC: {}", name,
          garbage.problem());
    }
    return Behaviors.same();
  }

  // --- attachment ---------------------------------------------------------------------------

  private Behavior<Command> onAttach(Attach attach) {
    routes.attach(attach.threadId(), attach.listener());
    return Behaviors.same();
  }

  private Behavior<Command> onDetach(Detach detach) {
    routes.detach(detach.threadId());
    return Behaviors.same();
  }

  // --- death and restart --------------------------------------------------------------------

  private Behavior<Command> onExited(Exited exited) {
    if (exited.generation() != generation) {
      return Behaviors.same();
    }
    String tail = process.stderrTail();
    context.getLog().warn("{}: codex app-server pid {} {}{}", name, process.pid(),
        exited.description(), tail.isEmpty() ? "" : "; last stderr:\n" + tail);
    process.reapLeftovers();
    return processDied("codex app-server " + exited.description());
  }

  private Behavior<Command> processDied(String reason) {
    lastExit = reason;
    failPending(reason);
    failStashed(reason);
    routes.attachedThreads()
        .forEach(thread -> thread.tell(new AppServerEvent.ProcessDown(reason)));
    boolean wasStable = upSince != null && Duration.between(upSince, clock.instant())
        .compareTo(settings.stableAfter()) >= 0;
    consecutiveFailures = wasStable ? 0 : consecutiveFailures + 1;
    upSince = null;
    Duration delay = settings.restartBackoff().delay(Math.max(0, consecutiveFailures - 1));
    restarts++;
    context.getLog().info("{}: restarting codex app-server in {} ms (restart #{})", name,
        delay.toMillis(), restarts);
    timers.startSingleTimer(Restart.INSTANCE, delay);
    return backingOff();
  }

  private void failPending(String reason) {
    for (AppServerRoutes.PendingCall call : routes.takeAllCalls()) {
      call.timeout().cancel();
      call.replyTo().tell(CallResult.Failure.of(CallResult.Kind.PROCESS_UNAVAILABLE, reason));
    }
  }

  private void failStashed(String reason) {
    stash.forEach(command -> {
      if (command instanceof Call call) {
        call.replyTo().tell(CallResult.Failure.of(CallResult.Kind.PROCESS_UNAVAILABLE, reason));
      }
    });
    stash.clear();
  }

  private Behavior<Command> reportStatus(GetStatus request, String state) {
    boolean alive = process != null && process.isAlive();
    request.replyTo().tell(new Status(name, state, alive ? process.pid() : -1, generation,
        restarts, routes.attachedThreads().size(), routes.pendingCalls(),
        Optional.ofNullable(lastExit)));
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop() {
    if (process != null) {
      process.stop(settings.stopGrace());
      context.getLog().info("{}: stopped codex app-server pid {}", name, process.pid());
    }
    failPending("codex app-server " + name + " stopped");
    return Behaviors.same();
  }
}
