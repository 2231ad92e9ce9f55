package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.codex.Initialize;
import io.workmate.protocol.codex.ThreadStart;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import io.workmate.protocol.jsonrpc.RpcError;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns one {@code codex app-server} process: spawns it in a controlled environment, speaks
 * JSON-RPC over its stdio, correlates calls with answers, routes notifications and approval
 * requests to the thread attached under their {@code threadId}, and restarts the process with
 * backoff when it dies. Several {@link CodexThread}s share one process.
 *
 * <p>States: {@link #starting} (process spawned, {@code initialize} in flight; calls are
 * stashed), {@link #running}, {@link #backingOff} (process dead, restart scheduled; calls fail
 * fast so threads can report it). On stop the process's stdin is closed, then it is signalled,
 * and anything it left behind is killed.
 *
 * <p>Starting the process, writing to its stdin and stopping it block (stop for up to its grace
 * plus 3 s): {@link CodexPool} spawns this actor on the blocking dispatcher
 * ({@link io.workmate.support.BlockingThreads}). What codex sends is decoded on the process's
 * reader thread; this actor routes it by thread id.
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

  /** A response or error response to one of our calls. */
  private record Inbound(long generation, JsonRpcMessage message) implements Command {}

  private record InboundNotification(long generation, CodexNotification notification)
      implements Command {}

  private record InboundRequest(long generation, CodexRequest request) implements Command {}

  private record Garbage(long generation, String problem) implements Command {}

  private record Exited(long generation, String description) implements Command {}

  private record CallTimedOut(long generation, long id) implements Command {}

  private record InitializeTimedOut(long generation) implements Command {}

  private enum Restart implements Command {
    INSTANCE
  }

  private record PendingCall(String method, Optional<ActorRef<AppServerEvent>> attach,
      ActorRef<CallResult> replyTo) {}

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
  private final Map<Long, PendingCall> pending = new HashMap<>();
  private final Map<String, ActorRef<AppServerEvent>> threads = new LinkedHashMap<>();
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
    ActorRef<Command> self = context.getSelf();
    this.sink = new AppServerProcess.Sink() {
      @Override
      public void answer(long gen, JsonRpcMessage message) {
        self.tell(new Inbound(gen, message));
      }

      @Override
      public void notification(long gen, CodexNotification notification) {
        self.tell(new InboundNotification(gen, notification));
      }

      @Override
      public void request(long gen, CodexRequest request) {
        self.tell(new InboundRequest(gen, request));
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
        .onMessage(Inbound.class, this::onInbound)
        .onMessage(InboundNotification.class, this::onNotification)
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
        .onMessage(Inbound.class, this::onInbound)
        .onMessage(InboundNotification.class, this::onNotification)
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
        .onMessage(Inbound.class, message -> Behaviors.same())
        .onMessage(InboundNotification.class, message -> Behaviors.same())
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
    threads.values().forEach(thread -> thread.tell(new AppServerEvent.ProcessUp(generation)));
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
      pending.put(id, new PendingCall(method, attach, ref));
      timers.startSingleTimer(new CallTimedOut(generation, id),
          timeout.orElse(settings.requestTimeout()));
    });
    try {
      process.send(codec.encode(new JsonRpcMessage.Request(LongNode.valueOf(id), method, params)));
    } catch (IOException e) {
      // the process is dying; its exit fails every pending call with the real reason
      context.getLog().debug("{}: write of {} failed: {}", name, method, e.getMessage());
    }
  }

  private Behavior<Command> onCallTimedOut(CallTimedOut timeout) {
    PendingCall call = pending.remove(timeout.id());
    if (call != null && timeout.generation() == generation) {
      call.replyTo().tell(CallResult.Failure.of(CallResult.Kind.TIMEOUT,
          "codex did not answer " + call.method() + " in time"));
    } else if (call != null) {
      pending.put(timeout.id(), call);
    }
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

  private Behavior<Command> onInbound(Inbound inbound) {
    if (inbound.generation() != generation) {
      return Behaviors.same();
    }
    JsonRpcMessage message = inbound.message();
    if (message instanceof JsonRpcMessage.Response response) {
      completeCall(response.id(), new CallResult.Success(response.result()));
    } else if (message instanceof JsonRpcMessage.ErrorResponse error) {
      onErrorResponse(error);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onNotification(InboundNotification inbound) {
    if (inbound.generation() == generation) {
      routeNotification(inbound.notification());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onServerRequest(InboundRequest inbound) {
    if (inbound.generation() == generation) {
      routeServerRequest(inbound.request());
    }
    return Behaviors.same();
  }

  private void onErrorResponse(JsonRpcMessage.ErrorResponse error) {
    if (error.id() == null) {
      context.getLog().warn("{}: codex reported an error for no request: {}", name,
          error.error());
      return;
    }
    completeCall(error.id(), new CallResult.Failure(CallResult.Kind.REMOTE_ERROR,
        error.error().message(), error.error()));
  }

  private void completeCall(JsonNode id, CallResult result) {
    PendingCall call = id.canConvertToLong() ? pending.remove(id.asLong()) : null;
    if (call == null) {
      context.getLog().debug("{}: answer for unknown or timed-out request {}", name, id);
      return;
    }
    timers.cancel(new CallTimedOut(generation, id.asLong()));
    if (result instanceof CallResult.Success success && call.attach().isPresent()) {
      startedThreadId(success).ifPresent(threadId -> threads.put(threadId, call.attach().get()));
    }
    call.replyTo().tell(result);
  }

  /** The thread a thread/start or thread/resume answer names (both answer with the thread). */
  private Optional<String> startedThreadId(CallResult.Success success) {
    try {
      ThreadStart.Result started = codec.fromTree(success.result(), ThreadStart.Result.class);
      return Optional.ofNullable(started.thread()).map(thread -> thread.id())
          .filter(id -> !id.isEmpty());
    } catch (MalformedMessageException e) {
      return Optional.empty();
    }
  }

  private void routeNotification(CodexNotification notification) {
    String threadId = notification.threadId();
    ActorRef<AppServerEvent> thread = threadId == null ? null : threads.get(threadId);
    if (thread != null) {
      thread.tell(new AppServerEvent.Notification(notification));
    } else if (CodexMethods.ERROR.equals(notification.method())
        || CodexMethods.WARNING.equals(notification.method())) {
      context.getLog().warn("{}: codex {}: {}", name, notification.method(),
          notification.params());
    } else {
      context.getLog().debug("{}: notification {} for no attached thread", name,
          notification.method());
    }
  }

  private void routeServerRequest(CodexRequest request) {
    String threadId = request.threadId();
    ActorRef<AppServerEvent> thread = threadId == null ? null : threads.get(threadId);
    if (!request.supported()) {
      context.getLog().warn("{}: codex sent a request Workmate does not handle: {} (answered "
          + "with an error)", name, request.method());
      answerError(request.id(), RpcError.METHOD_NOT_FOUND,
          "Workmate does not handle " + request.method());
      if (thread != null) {
        thread.tell(new AppServerEvent.Notification(CodexNotification.of(
            "workmate/unsupportedRequest", threadId,
            codec.mapper().createObjectNode().put("method", request.method()))));
      }
      return;
    }
    if (thread == null) {
      context.getLog().warn("{}: {} for thread {} which no Workmate thread owns; declined", name,
          request.method(), threadId);
      answerError(request.id(), RpcError.INVALID_REQUEST,
          "no Workmate thread is attached for thread " + threadId);
      return;
    }
    thread.tell(new AppServerEvent.ServerRequest(request));
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
    threads.put(attach.threadId(), attach.listener());
    return Behaviors.same();
  }

  private Behavior<Command> onDetach(Detach detach) {
    threads.remove(detach.threadId());
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
    threads.values().forEach(thread -> thread.tell(new AppServerEvent.ProcessDown(reason)));
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
    for (Iterator<Map.Entry<Long, PendingCall>> it = pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, PendingCall> entry = it.next();
      timers.cancel(new CallTimedOut(generation, entry.getKey()));
      entry.getValue().replyTo().tell(CallResult.Failure.of(
          CallResult.Kind.PROCESS_UNAVAILABLE, reason));
      it.remove();
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
        restarts, threads.size(), pending.size(), Optional.ofNullable(lastExit)));
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
