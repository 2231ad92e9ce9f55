package io.workmate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.Challenge;
import io.workmate.protocol.openclaw.FrameSizeLimit;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.GatewayError;
import io.workmate.protocol.openclaw.GatewayEvents;
import io.workmate.protocol.openclaw.GatewayFrame;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.HelloOk;
import io.workmate.protocol.openclaw.MalformedFrameException;
import io.workmate.protocol.openclaw.RunEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
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

  /** Package-private: {@link RequestsInFlight} keys its timers with it. */
  record CallTimedOut(String id) implements Command {}

  private enum Tick implements Command {
    RECONNECT,
    KEEPALIVE_CHECK
  }

  /** Package-private: {@link LinkWatchers} watches with it. */
  record WatcherGone(ActorRef<?> watcher) implements Command {}

  public static Behavior<Command> create(GatewayEndpoint endpoint) {
    return create(endpoint, Clock.systemUTC());
  }

  /** {@code clock} dates the status and measures the silence between frames. */
  public static Behavior<Command> create(GatewayEndpoint endpoint, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new GatewayConnection(endpoint, clock, context, timers).connect()));
  }

  private final GatewayEndpoint endpoint;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Clock clock;
  private final GatewayCodec codec = new GatewayCodec();
  private final DeviceCredentials credentials;
  private final RequestsInFlight requests;
  private final MalformedFrames malformedFrames;
  private final LinkWatchers watchers;

  private long generation;
  private int failedAttempts;
  private WebSocketLink link;
  private String connectRequestId;
  private HelloOk hello;
  private FrameSizeLimit limit = FrameSizeLimit.beforeHello();
  private long lastSeq;
  private Instant lastFrameAt;

  private GatewayConnection(GatewayEndpoint endpoint, Clock clock, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    this.endpoint = endpoint;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.credentials = new DeviceCredentials(endpoint.stateDir());
    this.requests = new RequestsInFlight(codec, timers, context.getLog(), endpoint.name());
    this.malformedFrames = new MalformedFrames(clock);
    this.watchers = new LinkWatchers(context, endpoint, clock);
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
    connectRequestId = requests.nextId();
    send(codec.request(connectRequestId, GatewayMethods.CONNECT,
        credentials.connectParams(endpoint.token(), challenge)));
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
    lastFrameAt = clock.instant();
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
    send(requests.call(call.method(), call.params(),
        call.timeout().orElse(endpoint.requestTimeout()), call.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onStartRun(StartRun start) {
    send(requests.startRun(start.params(), endpoint.requestTimeout(), start.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onFrame(FrameReceived received) {
    if (received.generation() != generation) {
      return Behaviors.same();
    }
    lastFrameAt = clock.instant();
    GatewayFrame frame;
    try {
      frame = codec.decode(received.text(), limit);
    } catch (io.workmate.protocol.openclaw.FrameTooLargeException e) {
      return dropLink("the gateway sent a frame over its own limit: " + e.getMessage());
    } catch (MalformedFrameException e) {
      return onMalformedFrame(e);
    }
    if (frame instanceof GatewayFrame.Response response) {
      requests.answered(response, endpoint.runTimeout());
    } else if (frame instanceof GatewayFrame.Event event) {
      return onEvent(event);
    } else {
      context.getLog().warn("gateway {}: ignored a request frame from the gateway ({})",
          endpoint.name(), ((GatewayFrame.Request) frame).method());
    }
    return Behaviors.same();
  }

  /** A bad frame is logged and skipped; several in a short time drop the link. */
  private Behavior<Command> onMalformedFrame(MalformedFrameException e) {
    if (malformedFrames.tooMany()) {
      return dropLink(MalformedFrames.LIMIT + " malformed frames within "
          + MalformedFrames.WINDOW.toSeconds() + " s, the last: " + e.getMessage());
    }
    context.getLog().warn("gateway {}: ignored a malformed frame: {}", endpoint.name(),
        e.getMessage());
    return Behaviors.same();
  }

  private Behavior<Command> onEvent(GatewayFrame.Event event) {
    if (event.seq() != null) {
      if (lastSeq > 0 && event.seq() != lastSeq + 1) {
        context.getLog().warn("gateway {}: event seq jumped from {} to {}; {} event(s) missed",
            endpoint.name(), lastSeq, event.seq(), event.seq() - lastSeq - 1);
        report(LinkState.DEGRADED, "missed events " + (lastSeq + 1) + ".." + (event.seq() - 1));
      } else if (watchers.status().state() == LinkState.DEGRADED
          && GatewayEvents.TICK.equals(event.event())) {
        report(LinkState.CONNECTED, "events in order again");
      }
      lastSeq = event.seq();
    }
    if (GatewayEvents.SHUTDOWN.equals(event.event())) {
      return dropLink("the gateway is shutting down: " + event.payload());
    }
    RunEvent.from(event).ifPresent(requests::runEvent);
    watchers.publish(event);
    return Behaviors.same();
  }

  private Behavior<Command> onCallTimedOut(CallTimedOut timeout) {
    requests.timedOut(timeout.id());
    return Behaviors.same();
  }

  private Behavior<Command> onKeepaliveCheck(Tick tick) {
    if (tick != Tick.KEEPALIVE_CHECK || hello == null) {
      return Behaviors.same();
    }
    Duration silence = Duration.between(lastFrameAt, clock.instant());
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
    requests.failAll(reason);
  }

  // --- shared ---------------------------------------------------------------------------------

  private org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(WatchStatus.class, watch -> {
          watchers.watchStatus(watch.watcher());
          return Behaviors.same();
        })
        .onMessage(WatchEvents.class, watch -> {
          watchers.watchEvents(watch.watcher());
          return Behaviors.same();
        })
        .onMessage(GetStatus.class, get -> {
          get.replyTo().tell(watchers.status());
          return Behaviors.same();
        })
        .onMessage(WatcherGone.class, gone -> {
          watchers.gone(gone.watcher());
          return Behaviors.same();
        })
        .onMessage(CallTimedOut.class, this::onCallTimedOut)
        .onSignal(PostStop.class, signal -> {
          closeLink();
          failInFlight("gateway connection " + endpoint.name() + " stopped");
          return Behaviors.same();
        });
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
    GatewayStatus status = watchers.status();
    return "gateway " + endpoint.name() + " is not connected (" + status.state().name()
        .toLowerCase() + ": " + status.detail() + ")";
  }

  private void report(LinkState state, String detail) {
    watchers.report(state, detail);
  }

  private void send(GatewayFrame frame) {
    if (link != null) {
      link.send(codec.encode(frame));
    }
  }

  /** A fresh idempotency key for side-effecting calls. */
  public static String idempotencyKey() {
    return UUID.randomUUID().toString();
  }
}
