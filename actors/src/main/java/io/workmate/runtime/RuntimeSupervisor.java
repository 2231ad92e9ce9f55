package io.workmate.runtime;

import io.workmate.codex.CodexPool;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Holds the runtime's mode. The requested mode ({@code auto}, {@code local}, {@code remote},
 * {@code offline}) is the user's; the effective mode is this actor's behavior —
 * {@link #offline()}, {@link #local()}, {@link #remote()} — chosen by {@link ModePolicy} from the
 * gateway links' health, which the {@link GatewayConnection} children report. Failover is
 * immediate; returning to a better mode waits for the link to be stable (hysteresis). Every
 * transition is logged and published as a {@link ModeChanged}. Messages are routed by the
 * effective mode: to an agent run on the gateway, or to a local Codex thread.
 */
public final class RuntimeSupervisor {

  public sealed interface Command {}

  public record SetMode(Mode mode, ActorRef<RuntimeState> replyTo) implements Command {}

  public record GetState(ActorRef<RuntimeState> replyTo) implements Command {}

  public record SupportsCapability(Capability capability, ActorRef<Boolean> replyTo)
      implements Command {}

  /** Online and preferred: an agent run on the gateway; otherwise a local Codex turn. */
  public record SendMessage(String prompt, boolean preferOnline,
      ActorRef<MessageOutcome> replyTo) implements Command {}

  public record Subscribe(ActorRef<ModeChanged> subscriber) implements Command {}

  /** The gateway connections it owns (for agents and memory sync) and the mode it is in. */
  public record GetGateways(ActorRef<Gateways> replyTo) implements Command {}

  public record Gateways(Optional<ActorRef<GatewayConnection.Command>> local,
      Optional<ActorRef<GatewayConnection.Command>> remote, EffectiveMode effective) {}

  /** Asks a gateway connection stuck after an auth failure to try again. */
  public record RetryGateway(String name) implements Command {}

  /** A snapshot: what was asked, what is, and why. */
  public record RuntimeState(Mode requested, EffectiveMode effective,
      Set<Capability> capabilities, String state, List<GatewayStatus> gateways,
      Instant since) {}

  public record ModeChanged(EffectiveMode from, EffectiveMode to, Mode requested, String reason,
      Instant at) {}

  private record LinkUpdate(GatewayStatus status) implements Command {}

  private enum Reconsider implements Command {
    INSTANCE
  }

  private record SubscriberGone(ActorRef<ModeChanged> subscriber) implements Command {}

  public static final String LOCAL = "local";
  public static final String REMOTE = "remote";

  public static Behavior<Command> create(RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex) {
    return create(settings, codex, Clock.systemUTC());
  }

  /** {@code clock} is what link stability and mode changes are timed by. */
  public static Behavior<Command> create(RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new RuntimeSupervisor(settings, codex, clock, context, timers).start()));
  }

  private final RuntimeSettings settings;
  private final ActorRef<CodexPool.Command> codex;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Set<ActorRef<ModeChanged>> subscribers = new HashSet<>();

  private Mode requested;
  private EffectiveMode effective = EffectiveMode.OFFLINE;
  private Instant since;
  private ActorRef<GatewayConnection.Command> localGateway;
  private ActorRef<GatewayConnection.Command> remoteGateway;
  private LinkHealth localHealth;
  private LinkHealth remoteHealth;
  private long messageCounter;

  private RuntimeSupervisor(RuntimeSettings settings, ActorRef<CodexPool.Command> codex,
      Clock clock, ActorContext<Command> context, TimerScheduler<Command> timers) {
    this.settings = settings;
    this.codex = codex;
    this.clock = clock;
    this.since = clock.instant();
    this.context = context;
    this.timers = timers;
    this.requested = settings.requested();
  }

  private Behavior<Command> start() {
    ActorRef<GatewayStatus> statusAdapter =
        context.messageAdapter(GatewayStatus.class, LinkUpdate::new);
    settings.local().ifPresent(endpoint -> {
      localGateway = spawnGateway(endpoint, LOCAL);
      localHealth = health(endpoint, LOCAL);
      localGateway.tell(new GatewayConnection.WatchStatus(statusAdapter));
    });
    settings.remote().ifPresent(endpoint -> {
      remoteGateway = spawnGateway(endpoint, REMOTE);
      remoteHealth = health(endpoint, REMOTE);
      remoteGateway.tell(new GatewayConnection.WatchStatus(statusAdapter));
    });
    context.getLog().info("runtime: requested mode {}, gateways: {}", requested.wire(),
        describeGateways());
    return behaviorFor(EffectiveMode.OFFLINE);
  }

  private ActorRef<GatewayConnection.Command> spawnGateway(GatewayEndpoint endpoint,
      String role) {
    // the connection restarts its socket itself; supervision only guards against our bugs
    return context.spawn(Behaviors.supervise(GatewayConnection.create(endpoint, clock)).onFailure(
        org.apache.pekko.actor.typed.SupervisorStrategy.restartWithBackoff(
            java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30), 0.2)),
        "gateway-" + role);
  }

  private LinkHealth health(GatewayEndpoint endpoint, String role) {
    return new LinkHealth(new GatewayStatus(role, endpoint.url(), LinkState.CONNECTING,
        "starting", clock.instant()), settings.stableFor(), settings.maxStableFor(),
        settings.flapWindow());
  }

  // --- the three modes ------------------------------------------------------------------------

  private Behavior<Command> offline() {
    return common()
        .onMessage(SendMessage.class, message -> deliverLocally(message))
        .build();
  }

  private Behavior<Command> local() {
    return common()
        .onMessage(SendMessage.class, message -> deliverOnline(message, localGateway,
            MessageOutcome.Route.GATEWAY_LOCAL))
        .build();
  }

  private Behavior<Command> remote() {
    return common()
        .onMessage(SendMessage.class, message -> deliverOnline(message, remoteGateway,
            MessageOutcome.Route.GATEWAY_REMOTE))
        .build();
  }

  private Behavior<Command> behaviorFor(EffectiveMode mode) {
    switch (mode) {
      case LOCAL:
        return local();
      case REMOTE:
        return remote();
      default:
        return offline();
    }
  }

  private BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(LinkUpdate.class, this::onLinkUpdate)
        .onMessage(Reconsider.class, reconsider -> reevaluate("a link became stable"))
        .onMessage(SetMode.class, this::onSetMode)
        .onMessage(GetState.class, get -> {
          get.replyTo().tell(state());
          return Behaviors.same();
        })
        .onMessage(SupportsCapability.class, ask -> {
          ask.replyTo().tell(effective.supports(ask.capability()));
          return Behaviors.same();
        })
        .onMessage(GetGateways.class, get -> {
          get.replyTo().tell(new Gateways(Optional.ofNullable(localGateway),
              Optional.ofNullable(remoteGateway), state().effective()));
          return Behaviors.same();
        })
        .onMessage(Subscribe.class, subscribe -> {
          if (subscribers.add(subscribe.subscriber())) {
            context.watchWith(subscribe.subscriber(), new SubscriberGone(subscribe.subscriber()));
          }
          return Behaviors.same();
        })
        .onMessage(SubscriberGone.class, gone -> {
          subscribers.remove(gone.subscriber());
          return Behaviors.same();
        })
        .onMessage(RetryGateway.class, retry -> {
          gateway(retry.name()).ifPresent(g -> g.tell(GatewayConnection.Retry.INSTANCE));
          return Behaviors.same();
        });
  }

  // --- transitions ----------------------------------------------------------------------------

  private Behavior<Command> onLinkUpdate(LinkUpdate update) {
    GatewayStatus status = update.status();
    LinkHealth health = LOCAL.equals(status.name()) ? localHealth : remoteHealth;
    if (health == null) {
      return Behaviors.same();
    }
    Instant now = clock.instant();
    health.update(status, now);
    health.settle(now);
    return reevaluate(status.name() + " gateway " + status.state().name().toLowerCase()
        + (status.detail().isEmpty() ? "" : ": " + status.detail()));
  }

  private Behavior<Command> onSetMode(SetMode set) {
    Mode previous = requested;
    requested = set.mode();
    context.getLog().info("runtime: requested mode {} -> {}", previous.wire(), requested.wire());
    Behavior<Command> next = reevaluate("requested mode " + requested.wire());
    set.replyTo().tell(state());
    return next;
  }

  private Behavior<Command> reevaluate(String reason) {
    Instant now = clock.instant();
    if (localHealth != null) {
      localHealth.settle(now);
    }
    if (remoteHealth != null) {
      remoteHealth.settle(now);
    }
    ModePolicy.Decision decision = ModePolicy.decide(requested, effective, link(localHealth),
        link(remoteHealth), now);
    timers.cancel(Reconsider.INSTANCE);
    decision.reconsiderAt().ifPresent(at -> timers.startSingleTimer(Reconsider.INSTANCE,
        java.time.Duration.between(now, at).plusMillis(10)));
    if (decision.mode() == effective) {
      return Behaviors.same();
    }
    ModeChanged changed = new ModeChanged(effective, decision.mode(), requested, reason, now);
    context.getLog().info("runtime: mode {} -> {} ({})", effective.wire(),
        decision.mode().wire(), reason);
    effective = decision.mode();
    since = now;
    subscribers.forEach(subscriber -> subscriber.tell(changed));
    return behaviorFor(effective);
  }

  private static ModePolicy.Link link(LinkHealth health) {
    return health == null ? ModePolicy.Link.ABSENT : health.asLink();
  }

  // --- messages -------------------------------------------------------------------------------

  private Behavior<Command> deliverOnline(SendMessage message,
      ActorRef<GatewayConnection.Command> gateway, MessageOutcome.Route route) {
    if (!message.preferOnline()) {
      return deliverLocally(message);
    }
    String name = "message-" + (++messageCounter);
    context.spawn(MessageInvocation.viaGateway(gateway, route, name, message.prompt(), settings,
        codex, message.replyTo()), name);
    return Behaviors.same();
  }

  private Behavior<Command> deliverLocally(SendMessage message) {
    String name = "message-" + (++messageCounter);
    context.spawn(MessageInvocation.viaLocalCodex(name, message.prompt(), settings, codex,
        message.replyTo()), name);
    return Behaviors.same();
  }

  // --- state ----------------------------------------------------------------------------------

  private RuntimeState state() {
    List<GatewayStatus> gateways = new ArrayList<>();
    if (localHealth != null) {
      gateways.add(localHealth.status());
    }
    if (remoteHealth != null) {
      gateways.add(remoteHealth.status());
    }
    return new RuntimeState(requested, effective, effective.capabilities(), describeState(),
        gateways, since);
  }

  /** "Connected (Remote)", "Connecting (Local)", "Offline", ... */
  private String describeState() {
    if (effective.online()) {
      return "Connected (" + effective.title() + ")";
    }
    if (requested == Mode.OFFLINE) {
      return "Offline";
    }
    for (LinkHealth health : preferred()) {
      if (health.is(LinkState.FAILED)) {
        return "Offline (" + health.status().name() + " gateway: " + health.status().detail()
            + ")";
      }
      if (health.is(LinkState.CONNECTING) || health.status().state().usable()) {
        return "Connecting (" + title(health.status().name()) + ")";
      }
    }
    return "Offline";
  }

  private List<LinkHealth> preferred() {
    List<LinkHealth> links = new ArrayList<>();
    if (requested != Mode.LOCAL && remoteHealth != null) {
      links.add(remoteHealth);
    }
    if (requested != Mode.REMOTE && localHealth != null) {
      links.add(localHealth);
    }
    return links;
  }

  private static String title(String role) {
    return REMOTE.equals(role) ? "Remote" : "Local";
  }

  private Optional<ActorRef<GatewayConnection.Command>> gateway(String name) {
    if (LOCAL.equals(name)) {
      return Optional.ofNullable(localGateway);
    }
    if (REMOTE.equals(name)) {
      return Optional.ofNullable(remoteGateway);
    }
    return Optional.empty();
  }

  private String describeGateways() {
    List<String> parts = new ArrayList<>();
    settings.local().ifPresent(e -> parts.add("local " + e.url()));
    settings.remote().ifPresent(e -> parts.add("remote " + e.url()));
    return parts.isEmpty() ? "none (offline only)" : String.join(", ", parts);
  }
}
