package io.workmate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.codex.WorkmateVersion;
import io.workmate.protocol.openclaw.AgentAccepted;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.AgentReply;
import io.workmate.protocol.openclaw.AgentResult;
import io.workmate.protocol.openclaw.Challenge;
import io.workmate.protocol.openclaw.ConnectParams;
import io.workmate.protocol.openclaw.DeviceIdentity;
import io.workmate.protocol.openclaw.FrameSizeLimit;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.GatewayError;
import io.workmate.protocol.openclaw.GatewayEvents;
import io.workmate.protocol.openclaw.GatewayFrame;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.HelloOk;
import io.workmate.protocol.openclaw.MalformedFrameException;
import io.workmate.protocol.openclaw.RunEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One connection to an OpenClaw gateway over its WebSocket protocol (v4). Handshakes (challenge,
 * {@code connect} with token and Ed25519 device identity, {@code hello-ok}), correlates requests
 * with responses under per-request timeouts, fans events out, tracks {@code agent} runs (whose
 * request is answered twice), detects {@code seq} gaps and missed ticks, and reconnects with
 * capped, jittered backoff. Auth failures stop the retries until {@link Retry}.
 *
 * <p>States: {@link #handshaking} (socket opening, waiting for the challenge and
 * {@code hello-ok}), {@link #connected}, {@link #waitingToReconnect},
 * {@link #failed}. Every change is reported as a {@link GatewayStatus} to the watchers.
 */
public final class GatewayConnection {

  public sealed interface Command {}

  /** A request; side-effecting methods should carry an idempotency key in their params. */
  public record Call(String method, JsonNode params, Optional<Duration> timeout,
      ActorRef<GatewayReply> replyTo) implements Command {

    public static Call of(String method, JsonNode params, ActorRef<GatewayReply> replyTo) {
      return new Call(method, params, Optional.empty(), replyTo);
    }
  }

  /** Starts an {@code agent} run and streams its updates to {@code replyTo}. */
  public record StartRun(AgentParams params, ActorRef<RunUpdate> replyTo) implements Command {}

  /** Reports every state change (and the current state at once). */
  public record WatchStatus(ActorRef<GatewayStatus> watcher) implements Command {}

  /** Receives every event frame the gateway sends. */
  public record WatchEvents(ActorRef<GatewayFrame.Event> watcher) implements Command {}

  public record GetStatus(ActorRef<GatewayStatus> replyTo) implements Command {}

  /** Try again after an auth failure (e.g. once the token was fixed). */
  public enum Retry implements Command {
    INSTANCE
  }

  // --- internal ---

  private record SocketFailed(long generation, String reason) implements Command {}

  private record FrameReceived(long generation, String text) implements Command {}

  private record SocketClosed(long generation, String reason) implements Command {}

  private record HandshakeTimedOut(long generation) implements Command {}

  private record CallTimedOut(String id) implements Command {}

  private enum Tick implements Command {
    RECONNECT,
    KEEPALIVE_CHECK
  }

  private record WatcherGone(ActorRef<?> watcher) implements Command {}

  /** A request waiting for its answer; runs wait for two. */
  private record Pending(String method, ActorRef<GatewayReply> replyTo,
      ActorRef<RunUpdate> run, String runId) {

    Pending accepted(String acceptedRunId) {
      return new Pending(method, replyTo, run, acceptedRunId);
    }
  }

  public static Behavior<Command> create(GatewayEndpoint endpoint) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new GatewayConnection(endpoint, context, timers).connect()));
  }

  private final GatewayEndpoint endpoint;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final GatewayCodec codec = new GatewayCodec();
  private final DeviceCredentials credentials;
  private final Map<String, Pending> pending = new HashMap<>();
  /** runId -> subscriber, for runs the gateway accepted. */
  private final Map<String, ActorRef<RunUpdate>> runs = new HashMap<>();
  private final Set<String> finishedRuns = new LinkedHashSet<>();
  /** Runs whose terminal event was passed on: chat and agent both end a run, maybe twice. */
  private final Set<String> terminalSeen = new HashSet<>();
  private final Set<ActorRef<GatewayStatus>> statusWatchers = new HashSet<>();
  private final Set<ActorRef<GatewayFrame.Event>> eventWatchers = new HashSet<>();

  private static final int MALFORMED_LIMIT = 3;
  private static final Duration MALFORMED_WINDOW = Duration.ofSeconds(60);
  private final java.util.ArrayDeque<Long> malformedFrames = new java.util.ArrayDeque<>();

  private long generation;
  private long requestCounter;
  private int failedAttempts;
  private WebSocketLink link;
  private String connectRequestId;
  private HelloOk hello;
  private FrameSizeLimit limit = FrameSizeLimit.beforeHello();
  private long lastSeq;
  private long lastFrameNanos;
  private GatewayStatus status;

  private GatewayConnection(GatewayEndpoint endpoint, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    this.endpoint = endpoint;
    this.context = context;
    this.timers = timers;
    this.credentials = new DeviceCredentials(endpoint.stateDir());
    this.status = new GatewayStatus(endpoint.name(), endpoint.url(), LinkState.CONNECTING,
        "starting", Instant.now());
  }

  // --- connecting -----------------------------------------------------------------------------

  private Behavior<Command> connect() {
    generation++;
    long gen = generation;
    report(LinkState.CONNECTING, "connecting to " + endpoint.url());
    ActorRef<Command> self = context.getSelf();
    lastSeq = 0;
    limit = FrameSizeLimit.beforeHello();
    // the link exists at once: the gateway may speak before the upgrade is reported
    link = WebSocketLink.open(context.getSystem(), endpoint,
        text -> self.tell(new FrameReceived(gen, text)),
        reason -> self.tell(new SocketClosed(gen, reason)));
    link.upgraded().whenCompleteAsync((ok, failure) -> {
      if (failure != null) {
        self.tell(new SocketFailed(gen, WebSocketLink.describe(failure)));
      }
    }, context.getExecutionContext());
    timers.startSingleTimer(new HandshakeTimedOut(gen), endpoint.connectTimeout());
    return handshaking();
  }

  private Behavior<Command> onSocketFailed(SocketFailed failed) {
    if (failed.generation() != generation) {
      return Behaviors.same();
    }
    return lost("cannot connect: " + failed.reason());
  }

  // --- handshaking ----------------------------------------------------------------------------

  private Behavior<Command> handshaking() {
    return common()
        .onMessage(FrameReceived.class, this::onFrameWhileHandshaking)
        .onMessage(SocketClosed.class, this::onSocketClosed)
        .onMessage(HandshakeTimedOut.class, this::onHandshakeTimedOut)
        .onMessage(SocketFailed.class, this::onSocketFailed)
        .onMessage(Call.class, this::refuseCall)
        .onMessage(StartRun.class, this::refuseRun)
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(Retry.class, retry -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onFrameWhileHandshaking(FrameReceived received) {
    if (received.generation() != generation) {
      return Behaviors.same();
    }
    GatewayFrame frame;
    try {
      frame = codec.decode(received.text(), limit);
    } catch (MalformedFrameException e) {
      return dropLink("malformed frame during the handshake: " + e.getMessage());
    }
    if (frame instanceof GatewayFrame.Event event
        && GatewayEvents.CONNECT_CHALLENGE.equals(event.event())) {
      return sendConnect(event);
    }
    if (frame instanceof GatewayFrame.Response response
        && response.id().equals(connectRequestId)) {
      return onConnectAnswered(response);
    }
    context.getLog().debug("gateway {}: ignored {} before hello-ok", endpoint.name(),
        frame.type());
    return Behaviors.same();
  }

  private Behavior<Command> sendConnect(GatewayFrame.Event challengeEvent) {
    Challenge challenge;
    try {
      challenge = codec.read(challengeEvent.payload(), Challenge.class);
    } catch (MalformedFrameException e) {
      return dropLink("unreadable connect.challenge: " + e.getMessage());
    }
    ConnectParams params = ConnectParams.workmate(WorkmateVersion.current(),
        ConnectParams.currentPlatform(), blankToNull(endpoint.token()));
    if (params.auth() == null && credentials.deviceToken().isPresent()) {
      params = params.withAuth(ConnectParams.Auth.deviceToken(credentials.deviceToken().get()));
    }
    DeviceIdentity identity = credentials.identity();
    params = params.withUserAgent("workmate/" + WorkmateVersion.current())
        .signedBy(identity, challenge);
    connectRequestId = nextId();
    send(codec.request(connectRequestId, GatewayMethods.CONNECT, params));
    return Behaviors.same();
  }

  private Behavior<Command> onConnectAnswered(GatewayFrame.Response response) {
    timers.cancel(new HandshakeTimedOut(generation));
    if (!response.ok()) {
      GatewayError error = response.error();
      if (error != null && error.isAuthFailure()) {
        return authFailed(error);
      }
      String reason = "connect refused: " + (error == null ? "no reason" : error);
      Duration retryAfter = error != null && error.retryAfterMs() != null
          ? Duration.ofMillis(error.retryAfterMs()) : null;
      return lost(reason, retryAfter);
    }
    try {
      hello = codec.read(response.payload(), HelloOk.class);
    } catch (MalformedFrameException e) {
      return dropLink("unreadable hello-ok: " + e.getMessage());
    }
    Optional.ofNullable(hello.auth()).map(HelloOk.Auth::deviceToken)
        .ifPresent(credentials::rememberDeviceToken);
    limit = FrameSizeLimit.after(hello);
    failedAttempts = 0;
    lastFrameNanos = System.nanoTime();
    Duration tick = hello.tickInterval();
    timers.startTimerWithFixedDelay(Tick.KEEPALIVE_CHECK, tick.dividedBy(2));
    String version = hello.server() == null ? "?" : hello.server().version();
    context.getLog().info("gateway {}: connected to {} (OpenClaw {})", endpoint.name(),
        endpoint.url(), version);
    report(LinkState.CONNECTED, "OpenClaw " + version);
    return connected();
  }

  private Behavior<Command> onHandshakeTimedOut(HandshakeTimedOut timeout) {
    if (timeout.generation() != generation) {
      return Behaviors.same();
    }
    return dropLink("no hello-ok within " + endpoint.connectTimeout().toSeconds()
        + " s (the gateway never sent connect.challenge, or never answered connect)");
  }

  // --- connected ------------------------------------------------------------------------------

  private Behavior<Command> connected() {
    return common()
        .onMessage(Call.class, this::onCall)
        .onMessage(StartRun.class, this::onStartRun)
        .onMessage(FrameReceived.class, this::onFrame)
        .onMessage(SocketClosed.class, this::onSocketClosed)
        .onMessage(CallTimedOut.class, this::onCallTimedOut)
        .onMessage(Tick.class, this::onKeepaliveCheck)
        .onMessage(HandshakeTimedOut.class, timeout -> Behaviors.same())
        .onMessage(SocketFailed.class, failed -> Behaviors.same())
        .onMessage(Retry.class, retry -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onCall(Call call) {
    String id = nextId();
    pending.put(id, new Pending(call.method(), call.replyTo(), null, null));
    timers.startSingleTimer(new CallTimedOut(id),
        call.timeout().orElse(endpoint.requestTimeout()));
    send(codec.request(id, call.method(), call.params()));
    return Behaviors.same();
  }

  private Behavior<Command> onStartRun(StartRun start) {
    String id = nextId();
    pending.put(id, new Pending(GatewayMethods.AGENT, null, start.replyTo(), null));
    timers.startSingleTimer(new CallTimedOut(id), endpoint.requestTimeout());
    send(codec.request(id, GatewayMethods.AGENT, start.params()));
    return Behaviors.same();
  }

  private Behavior<Command> onFrame(FrameReceived received) {
    if (received.generation() != generation) {
      return Behaviors.same();
    }
    lastFrameNanos = System.nanoTime();
    GatewayFrame frame;
    try {
      frame = codec.decode(received.text(), limit);
    } catch (io.workmate.protocol.openclaw.FrameTooLargeException e) {
      return dropLink("the gateway sent a frame over its own limit: " + e.getMessage());
    } catch (MalformedFrameException e) {
      return onMalformedFrame(e);
    }
    if (frame instanceof GatewayFrame.Response response) {
      onResponse(response);
    } else if (frame instanceof GatewayFrame.Event event) {
      return onEvent(event);
    } else {
      context.getLog().warn("gateway {}: ignored a request frame from the gateway ({})",
          endpoint.name(), ((GatewayFrame.Request) frame).method());
    }
    return Behaviors.same();
  }

  /**
   * One bad frame says little about the next (frames are self-delimiting), so it is logged and
   * skipped; several in a short time mean the peer is broken, and the link is dropped.
   */
  private Behavior<Command> onMalformedFrame(MalformedFrameException e) {
    long now = System.nanoTime();
    malformedFrames.addLast(now);
    while (!malformedFrames.isEmpty()
        && now - malformedFrames.peekFirst() > MALFORMED_WINDOW.toNanos()) {
      malformedFrames.removeFirst();
    }
    if (malformedFrames.size() >= MALFORMED_LIMIT) {
      malformedFrames.clear();
      return dropLink(MALFORMED_LIMIT + " malformed frames within "
          + MALFORMED_WINDOW.toSeconds() + " s, the last: " + e.getMessage());
    }
    context.getLog().warn("gateway {}: ignored a malformed frame: {}", endpoint.name(),
        e.getMessage());
    return Behaviors.same();
  }

  private void onResponse(GatewayFrame.Response response) {
    Pending call = pending.get(response.id());
    if (call == null) {
      context.getLog().debug("gateway {}: answer to unknown or timed-out request {}",
          endpoint.name(), response.id());
      return;
    }
    if (call.run() != null) {
      onRunResponse(response, call);
      return;
    }
    pending.remove(response.id());
    timers.cancel(new CallTimedOut(response.id()));
    call.replyTo().tell(response.ok() ? new GatewayReply.Ok(response.payload())
        : new GatewayReply.Rejected(response.error()));
  }

  private void onRunResponse(GatewayFrame.Response response, Pending call) {
    AgentReply reply;
    try {
      reply = AgentReply.from(response, codec);
    } catch (MalformedFrameException e) {
      pending.remove(response.id());
      timers.cancel(new CallTimedOut(response.id()));
      String runId = call.runId();
      String reason = "unreadable answer to agent: " + e.getMessage();
      if (runId == null) {
        call.run().tell(new RunUpdate.Rejected(new GatewayError("MALFORMED", reason)));
      } else {
        finishRun(runId, call.run(), false, "", reason);
      }
      return;
    }
    if (reply instanceof AgentAccepted accepted) {
      runs.put(accepted.runId(), call.run());
      pending.put(response.id(), call.accepted(accepted.runId()));
      // the run may take long; only the final answer ends the request
      timers.startSingleTimer(new CallTimedOut(response.id()), endpoint.runTimeout());
      call.run().tell(new RunUpdate.Accepted(accepted.runId()));
      return;
    }
    pending.remove(response.id());
    timers.cancel(new CallTimedOut(response.id()));
    AgentResult result = (AgentResult) reply;
    if (result.runId() == null && !response.ok()) {
      call.run().tell(new RunUpdate.Rejected(response.error()));
      return;
    }
    finishRun(result.runId(), call.run(), result.succeeded(), result.text(),
        result.succeeded() ? null : describe(result, response.error()));
  }

  private static String describe(AgentResult result, GatewayError error) {
    if (error != null) {
      return error.toString();
    }
    return "run ended with status " + result.status()
        + (result.summary() == null ? "" : " (" + result.summary() + ")");
  }

  private void finishRun(String runId, ActorRef<RunUpdate> subscriber, boolean ok, String text,
      String error) {
    runs.remove(runId);
    terminalSeen.remove(runId);
    if (runId != null && !finishedRuns.add(runId)) {
      return; // already finished by an event
    }
    trimFinishedRuns();
    subscriber.tell(new RunUpdate.Finished(runId, ok, text == null ? "" : text, error));
  }

  private Behavior<Command> onEvent(GatewayFrame.Event event) {
    if (event.seq() != null) {
      if (lastSeq > 0 && event.seq() != lastSeq + 1) {
        context.getLog().warn("gateway {}: event seq jumped from {} to {}; {} event(s) missed",
            endpoint.name(), lastSeq, event.seq(), event.seq() - lastSeq - 1);
        report(LinkState.DEGRADED, "missed events " + (lastSeq + 1) + ".." + (event.seq() - 1));
      } else if (status.state() == LinkState.DEGRADED
          && GatewayEvents.TICK.equals(event.event())) {
        report(LinkState.CONNECTED, "events in order again");
      }
      lastSeq = event.seq();
    }
    if (GatewayEvents.SHUTDOWN.equals(event.event())) {
      return dropLink("the gateway is shutting down: " + event.payload());
    }
    RunEvent.from(event).ifPresent(this::routeRunEvent);
    eventWatchers.forEach(watcher -> watcher.tell(event));
    return Behaviors.same();
  }

  /** Run events reach every operator connection; only runs we started matter here. */
  private void routeRunEvent(RunEvent event) {
    ActorRef<RunUpdate> subscriber = runs.get(event.runId());
    if (subscriber == null || event.terminal() && !terminalSeen.add(event.runId())) {
      return;
    }
    subscriber.tell(new RunUpdate.Progress(event.runId(), event));
  }

  private Behavior<Command> onCallTimedOut(CallTimedOut timeout) {
    Pending call = pending.remove(timeout.id());
    if (call == null) {
      return Behaviors.same();
    }
    String reason = "the gateway did not answer " + call.method() + " in time";
    if (call.run() != null) {
      String runId = call.runId();
      call.run().tell(runId == null ? new RunUpdate.Rejected(new GatewayError("TIMEOUT", reason))
          : new RunUpdate.Finished(runId, false, "", reason));
      if (runId != null) {
        runs.remove(runId);
      }
    } else {
      call.replyTo().tell(new GatewayReply.Unavailable(reason));
    }
    return Behaviors.same();
  }


  private Behavior<Command> onKeepaliveCheck(Tick tick) {
    if (tick != Tick.KEEPALIVE_CHECK || hello == null) {
      return Behaviors.same();
    }
    Duration silence = Duration.ofNanos(System.nanoTime() - lastFrameNanos);
    if (silence.compareTo(hello.tickInterval().multipliedBy(2)) > 0) {
      return dropLink("no frame for " + silence.toSeconds() + " s (two ticks missed)");
    }
    return Behaviors.same();
  }

  // --- losing the link ------------------------------------------------------------------------

  private Behavior<Command> onSocketClosed(SocketClosed closed) {
    if (closed.generation() != generation) {
      return Behaviors.same();
    }
    return lost("connection closed: " + closed.reason());
  }

  /** Closes our side, then handles it like a lost link. */
  private Behavior<Command> dropLink(String reason) {
    context.getLog().warn("gateway {}: {}", endpoint.name(), reason);
    return lost(reason);
  }

  private Behavior<Command> lost(String reason) {
    return lost(reason, null);
  }

  private Behavior<Command> lost(String reason, Duration retryAfter) {
    closeLink();
    failInFlight("the link to gateway " + endpoint.name() + " was lost: " + reason);
    failedAttempts++;
    Duration delay = retryAfter != null ? retryAfter
        : endpoint.reconnectBackoff().delay(Math.max(0, failedAttempts - 1));
    context.getLog().info("gateway {}: down ({}); reconnecting in {} ms", endpoint.name(),
        reason, delay.toMillis());
    report(LinkState.DOWN, reason);
    timers.startSingleTimer(Tick.RECONNECT, delay);
    return waitingToReconnect();
  }

  private Behavior<Command> waitingToReconnect() {
    return common()
        .onMessage(Tick.class, tick -> tick == Tick.RECONNECT ? connect() : Behaviors.same())
        .onMessage(Retry.class, retry -> {
          timers.cancel(Tick.RECONNECT);
          return connect();
        })
        .onMessage(Call.class, this::refuseCall)
        .onMessage(StartRun.class, this::refuseRun)
        .onMessage(FrameReceived.class, frame -> Behaviors.same())
        .onMessage(SocketClosed.class, closed -> Behaviors.same())
        .onMessage(SocketFailed.class, failed -> Behaviors.same())
        .onMessage(HandshakeTimedOut.class, timeout -> Behaviors.same())
        .build();
  }

  private Behavior<Command> authFailed(GatewayError error) {
    closeLink();
    failInFlight("gateway " + endpoint.name() + " refused our credentials");
    String advice = "gateway " + endpoint.name() + " rejected the credentials ("
        + Optional.ofNullable(error.detailCode()).orElse(error.code()) + ": " + error.message()
        + "). Not retrying: fix the gateway token (WORKMATE_OPENCLAW_TOKEN) or pair this device, "
        + "then retry.";
    context.getLog().error(advice);
    report(LinkState.FAILED, advice);
    return failed();
  }

  private Behavior<Command> failed() {
    return common()
        .onMessage(Retry.class, retry -> {
          failedAttempts = 0;
          return connect();
        })
        .onMessage(Call.class, this::refuseCall)
        .onMessage(StartRun.class, this::refuseRun)
        .onMessage(FrameReceived.class, frame -> Behaviors.same())
        .onMessage(SocketClosed.class, closed -> Behaviors.same())
        .onMessage(SocketFailed.class, failed -> Behaviors.same())
        .onMessage(HandshakeTimedOut.class, timeout -> Behaviors.same())
        .onMessage(Tick.class, tick -> Behaviors.same())
        .build();
  }

  private void closeLink() {
    timers.cancel(Tick.KEEPALIVE_CHECK);
    timers.cancel(new HandshakeTimedOut(generation));
    generation++; // frames still in flight from the old socket are ignored from here on
    hello = null;
    if (link != null) {
      link.close();
      link = null;
    }
  }

  private void failInFlight(String reason) {
    for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Pending> entry = it.next();
      timers.cancel(new CallTimedOut(entry.getKey()));
      Pending call = entry.getValue();
      if (call.replyTo() != null) {
        call.replyTo().tell(new GatewayReply.Unavailable(reason));
      } else if (call.runId() == null) {
        call.run().tell(new RunUpdate.Rejected(new GatewayError("UNAVAILABLE", reason)));
      }
      it.remove();
    }
    runs.forEach((runId, subscriber) -> subscriber.tell(new RunUpdate.LinkLost(runId, reason)));
    runs.clear();
  }

  // --- shared ---------------------------------------------------------------------------------

  private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(WatchStatus.class, this::onWatchStatus)
        .onMessage(WatchEvents.class, this::onWatchEvents)
        .onMessage(GetStatus.class, get -> {
          get.replyTo().tell(status);
          return Behaviors.same();
        })
        .onMessage(WatcherGone.class, gone -> {
          statusWatchers.remove(gone.watcher());
          eventWatchers.remove(gone.watcher());
          return Behaviors.same();
        })
        .onMessage(CallTimedOut.class, this::onCallTimedOut)
        .onSignal(PostStop.class, signal -> {
          closeLink();
          failInFlight("gateway connection " + endpoint.name() + " stopped");
          return Behaviors.same();
        });
  }

  private Behavior<Command> onWatchStatus(WatchStatus watch) {
    if (statusWatchers.add(watch.watcher())) {
      context.watchWith(watch.watcher(), new WatcherGone(watch.watcher()));
    }
    watch.watcher().tell(status);
    return Behaviors.same();
  }

  private Behavior<Command> onWatchEvents(WatchEvents watch) {
    if (eventWatchers.add(watch.watcher())) {
      context.watchWith(watch.watcher(), new WatcherGone(watch.watcher()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> refuseCall(Call call) {
    call.replyTo().tell(new GatewayReply.Unavailable(notConnected()));
    return Behaviors.same();
  }

  private Behavior<Command> refuseRun(StartRun start) {
    start.replyTo().tell(new RunUpdate.Rejected(new GatewayError("UNAVAILABLE",
        notConnected())));
    return Behaviors.same();
  }

  private String notConnected() {
    return "gateway " + endpoint.name() + " is not connected (" + status.state().name()
        .toLowerCase() + ": " + status.detail() + ")";
  }

  private void report(LinkState state, String detail) {
    if (status.state() == state && status.detail().equals(detail)) {
      return;
    }
    status = new GatewayStatus(endpoint.name(), endpoint.url(), state, detail, Instant.now());
    statusWatchers.forEach(watcher -> watcher.tell(status));
  }

  private void send(GatewayFrame frame) {
    if (link != null) {
      link.send(codec.encode(frame));
    }
  }

  private String nextId() {
    return "w" + (++requestCounter);
  }

  private void trimFinishedRuns() {
    while (finishedRuns.size() > 1024) {
      Iterator<String> oldest = finishedRuns.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** A fresh idempotency key for side-effecting calls. */
  public static String idempotencyKey() {
    return UUID.randomUUID().toString();
  }
}
