package io.workmate.registry;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentRegistration;
import io.workmate.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The agents Workmate can route jobs to: one event-sourced actor (persistence id
 * {@code agent-registry|<name>}) that registers, deregisters, keeps alive and expires agents,
 * answers list/get/discover, and runs one child actor per live agent (built by
 * {@link AgentFactories}). Subscribers get the full live set ({@link AgentHandle}s, sorted by id)
 * at once and after every change of it.
 *
 * <p>Expiry: an agent with a TTL has a deadline, journaled with its registration and moved by
 * each heartbeat, so it survives restarts. A timer fires at the earliest deadline and journals
 * {@link AgentEvent.Expired}; after recovery the agents whose deadline passed while the service
 * was down expire at once. An agent past its deadline is never listed, found or revived by a
 * heartbeat, even in the moment before its expiry is journaled.
 *
 * <p>Answers: {@link Reply.Rejected} with {@value #INVALID} (HTTP 400) for a registration that
 * does not validate, {@value #CONFLICT} (409) for an id registered with other settings,
 * {@value #LIMIT_REACHED} (409) when {@value #MAX_AGENTS} agents are registered;
 * {@link Reply.NotFound} (404) for an id that is not (or no longer) registered.
 */
public final class AgentRegistry
    extends EventSourcedBehavior<AgentRegistry.Command, AgentEvent, AgentRegistry.State> {

  public static final String INVALID = "invalid";
  public static final String CONFLICT = "conflict";
  public static final String LIMIT_REACHED = "limit_reached";
  public static final int MAX_AGENTS = 1000;
  public static final String ENTITY_TYPE = "agent-registry";

  /**
   * Heartbeats that would move a deadline by less than this are answered without an event:
   * an agent beating many times a second must not fill the journal. The journaled deadline is
   * then at most this much earlier than the last heartbeat implies, never later.
   */
  static final Duration HEARTBEAT_GRANULARITY = Duration.ofSeconds(1);
  static final int SNAPSHOT_EVERY = 100;

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Registers an agent; answers {@link Reply.Registered} or {@link Reply.Rejected}. */
  public record Register(AgentRegistration.Request request, ActorRef<Reply> replyTo)
      implements Command {

    public static Register of(AgentRegistration registration, ActorRef<Reply> replyTo) {
      return new Register(registration.toRequest(), replyTo);
    }
  }

  /** Answers {@link Reply.Removed} or {@link Reply.NotFound}; stops the agent's actor. */
  public record Deregister(String agentId, ActorRef<Reply> replyTo) implements Command {}

  /** Moves the deadline to now + TTL; answers {@link Reply.Current} or {@link Reply.NotFound}. */
  public record Heartbeat(String agentId, ActorRef<Reply> replyTo) implements Command {}

  /** Answers {@link Reply.Current} or {@link Reply.NotFound}. */
  public record GetAgent(String agentId, ActorRef<Reply> replyTo) implements Command {}

  /** Every registered agent, sorted by id. */
  public record ListAgents(ActorRef<Agents> replyTo) implements Command {}

  /** The agents that offer all of {@code capabilities} (all agents for an empty set). */
  public record Discover(Set<String> capabilities, ActorRef<Agents> replyTo) implements Command {
    public Discover {
      capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
    }
  }

  /** Sends the live set to {@code subscriber} now and after every change of it. */
  public record Subscribe(ActorRef<List<AgentHandle>> subscriber) implements Command {}

  public record Unsubscribe(ActorRef<List<AgentHandle>> subscriber) implements Command {}

  /** Expires every agent whose deadline has passed. The registry's timer sends it. */
  public enum ExpireDue implements Command {
    INSTANCE
  }

  private record SubscriberGone(ActorRef<List<AgentHandle>> subscriber) implements Command {}

  /**
   * The registrations another registry journals (a cluster's shared agents), to run here: this
   * registry builds and publishes an actor for each, as for its own, without journaling them.
   * Each message replaces the one before; an id this registry holds itself wins.
   */
  public record Mirror(List<AgentRegistration> registrations) implements Command {
    public Mirror {
      registrations = List.copyOf(registrations);
    }
  }

  /** Sends {@link Registrations} to {@code subscriber} now and after every change of them. */
  public record SubscribeRegistrations(ActorRef<Registrations> subscriber) implements Command {}

  private record RegistrationsSubscriberGone(ActorRef<Registrations> subscriber)
      implements Command {}

  /** The live registrations a registry journals (not those it mirrors), sorted by id. */
  public record Registrations(List<AgentRegistration> registrations)
      implements CborSerializable {
    public Registrations {
      registrations = List.copyOf(registrations);
    }
  }

  public sealed interface Reply extends CborSerializable {

    /** {@code created}: a new registration (HTTP 201); false: the same one again (200). */
    record Registered(RegisteredAgent agent, boolean created) implements Reply {}

    record Current(RegisteredAgent agent) implements Reply {}

    record Removed(RegisteredAgent agent) implements Reply {}

    record NotFound(String agentId) implements Reply {}

    /** Nothing changed; {@code code} is {@value #INVALID}, {@value #CONFLICT} or ... */
    record Rejected(String code, String message) implements Reply {}
  }

  public record Agents(List<RegisteredAgent> agents) implements CborSerializable {
    public Agents {
      agents = List.copyOf(agents);
    }

    public List<String> ids() {
      return agents.stream().map(RegisteredAgent::id).toList();
    }
  }

  /** The registered agents by id; also the snapshot. */
  public record State(Map<String, RegisteredAgent> agents) implements CborSerializable {

    public State {
      agents = agents == null ? Map.of() : Map.copyOf(agents);
    }

    /** The agent under {@code id} unless its deadline has passed. */
    Optional<RegisteredAgent> live(String id, Instant now) {
      return Optional.ofNullable(agents.get(id)).filter(agent -> !agent.expiredAt(now));
    }

    List<RegisteredAgent> live(Instant now) {
      return new TreeMap<>(agents).values().stream()
          .filter(agent -> !agent.expiredAt(now)).toList();
    }

    State with(RegisteredAgent agent) {
      Map<String, RegisteredAgent> copy = new HashMap<>(agents);
      copy.put(agent.id(), agent);
      return new State(copy);
    }

    State without(String id) {
      Map<String, RegisteredAgent> copy = new HashMap<>(agents);
      copy.remove(id);
      return new State(copy);
    }
  }

  // ---- creation ----

  /** The default registry ({@code agent-registry|default}) on the system clock. */
  public static Behavior<Command> create(AgentFactories factories) {
    return create("default", factories, Clock.systemUTC());
  }

  public static Behavior<Command> create(String name, AgentFactories factories, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new AgentRegistry(name, factories, clock, context, timers)));
  }

  public static PersistenceId persistenceId(String name) {
    return PersistenceId.of(ENTITY_TYPE, name);
  }

  /** The actor built for one registration, and the registration it was built from. */
  private record Child(AgentRegistration registration, ActorRef<Agent.Command> ref) {}

  private final AgentFactories factories;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Map<String, Child> children = new HashMap<>();
  private final Set<ActorRef<List<AgentHandle>>> subscribers = new LinkedHashSet<>();
  private List<AgentHandle> published = List.of();
  private final Set<ActorRef<Registrations>> registrationSubscribers = new LinkedHashSet<>();
  private Registrations publishedRegistrations = new Registrations(List.of());
  /** What {@link Mirror} last said, by id. */
  private Map<String, AgentRegistration> mirrored = Map.of();
  private long incarnation;

  private AgentRegistry(String name, AgentFactories factories, Clock clock,
      ActorContext<Command> context, TimerScheduler<Command> timers) {
    // A failed write (a full disk, an I/O error) restarts the registry from its journal after a
    // backoff instead of stopping it for good. The agents' actors stay: the maps that name them
    // live in this object, not in the restarted behaviour, and recovery reconciles them with
    // what the journal holds.
    super(persistenceId(name), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200),
        Duration.ofSeconds(5), 0.2).withStopChildren(false));
    this.factories = Objects.requireNonNull(factories, "factories");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.context = context;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return new State(Map.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    // the actors of the recovered agents start only now; the overdue ones expire at once
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::reconcile)
        .build();
  }

  // ---- commands ----

  @Override
  public CommandHandler<Command, AgentEvent, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Register.class, this::onRegister)
        .onCommand(Deregister.class, this::onDeregister)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(GetAgent.class, (state, get) -> Effect().reply(get.replyTo(),
            state.live(get.agentId(), clock.instant()).<Reply>map(Reply.Current::new)
                .orElse(new Reply.NotFound(get.agentId()))))
        .onCommand(ListAgents.class, (state, list) ->
            Effect().reply(list.replyTo(), new Agents(state.live(clock.instant()))))
        .onCommand(Discover.class, (state, discover) -> Effect().reply(discover.replyTo(),
            new Agents(state.live(clock.instant()).stream()
                .filter(agent -> agent.registration().profile()
                    .offersAll(discover.capabilities()))
                .toList())))
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, (state, unsubscribe) -> {
          subscribers.remove(unsubscribe.subscriber());
          return Effect().none();
        })
        .onCommand(SubscriberGone.class, (state, gone) -> {
          subscribers.remove(gone.subscriber());
          return Effect().none();
        })
        .onCommand(ExpireDue.class, this::onExpireDue)
        .onCommand(Mirror.class, this::onMirror)
        .onCommand(SubscribeRegistrations.class, this::onSubscribeRegistrations)
        .onCommand(RegistrationsSubscriberGone.class, (state, gone) -> {
          registrationSubscribers.remove(gone.subscriber());
          return Effect().none();
        })
        .build();
  }

  private Effect<AgentEvent, State> onRegister(State state, Register register) {
    AgentRegistration registration;
    try {
      registration = register.request().validate();
    } catch (IllegalArgumentException | NullPointerException e) {
      return Effect().reply(register.replyTo(), new Reply.Rejected(INVALID, e.getMessage()));
    }
    if (!factories.supports(registration.kind())) {
      return Effect().reply(register.replyTo(), new Reply.Rejected(INVALID,
          "agents of kind " + registration.kind() + " cannot run on this server"
              + (registration.kind() == AgentKind.GATEWAY
                  ? " (no OpenClaw gateway is configured)" : "")));
    }
    Instant now = clock.instant();
    Optional<RegisteredAgent> existing = state.live(registration.id(), now);
    if (existing.isPresent()) {
      RegisteredAgent current = existing.get();
      if (!current.registration().equals(registration)) {
        return Effect().reply(register.replyTo(), new Reply.Rejected(CONFLICT, "agent '"
            + registration.id() + "' is already registered with other settings (" + String.join(
                ", ", differences(current.registration(), registration))
            + " differ); deregister it first"));
      }
      // the same settings again: idempotent, and as good as a heartbeat
      return heartbeat(current, now, register.replyTo(),
          agent -> new Reply.Registered(agent, false));
    }
    if (state.agents().size() >= MAX_AGENTS && !state.agents().containsKey(registration.id())) {
      return Effect().reply(register.replyTo(), new Reply.Rejected(LIMIT_REACHED,
          "the registry already holds its maximum of " + MAX_AGENTS + " agents"));
    }
    List<AgentEvent> events = new ArrayList<>(2);
    RegisteredAgent overdue = state.agents().get(registration.id());
    if (overdue != null) {
      // past its deadline, its expiry not journaled yet: end that registration first
      events.add(new AgentEvent.Expired(overdue.id(), overdue.expiresAt(), now));
    }
    events.add(new AgentEvent.Registered(registration, now, deadline(registration, now)));
    return Effect().persist(events)
        .thenRun(this::reconcile)
        .thenReply(register.replyTo(), after ->
            new Reply.Registered(after.agents().get(registration.id()), true));
  }

  private Effect<AgentEvent, State> onHeartbeat(State state, Heartbeat heartbeat) {
    Instant now = clock.instant();
    return state.live(heartbeat.agentId(), now)
        .map(agent -> heartbeat(agent, now, heartbeat.replyTo(), Reply.Current::new))
        .orElseGet(() -> Effect().reply(heartbeat.replyTo(),
            new Reply.NotFound(heartbeat.agentId())));
  }

  private Effect<AgentEvent, State> heartbeat(RegisteredAgent agent, Instant now,
      ActorRef<Reply> replyTo, java.util.function.Function<RegisteredAgent, Reply> answer) {
    Instant newDeadline = deadline(agent.registration(), now);
    if (newDeadline == null || Duration.between(agent.expiresAt(), newDeadline)
        .compareTo(HEARTBEAT_GRANULARITY) < 0) {
      return Effect().reply(replyTo, answer.apply(agent));
    }
    return Effect().persist(new AgentEvent.HeartbeatRecorded(agent.id(), now, newDeadline))
        .thenRun(this::reconcile)
        .thenReply(replyTo, after -> answer.apply(after.agents().get(agent.id())));
  }

  private Effect<AgentEvent, State> onDeregister(State state, Deregister deregister) {
    Optional<RegisteredAgent> agent = state.live(deregister.agentId(), clock.instant());
    if (agent.isEmpty()) {
      return Effect().reply(deregister.replyTo(), new Reply.NotFound(deregister.agentId()));
    }
    return Effect().persist(new AgentEvent.Deregistered(deregister.agentId(), clock.instant()))
        .thenRun(this::reconcile)
        .thenReply(deregister.replyTo(), after -> new Reply.Removed(agent.get()));
  }

  private Effect<AgentEvent, State> onExpireDue(State state, ExpireDue due) {
    Instant now = clock.instant();
    List<AgentEvent> expired = state.agents().values().stream()
        .filter(agent -> agent.expiredAt(now))
        .sorted(java.util.Comparator.comparing(RegisteredAgent::id))
        .<AgentEvent>map(agent -> new AgentEvent.Expired(agent.id(), agent.expiresAt(), now))
        .toList();
    if (expired.isEmpty()) {
      scheduleExpiry(state);
      return Effect().none();
    }
    expired.forEach(event -> context.getLog().info("agent {} expired: no heartbeat since {}",
        event.agentId(), state.agents().get(event.agentId()).lastHeartbeatAt()));
    return Effect().persist(expired).thenRun(this::reconcile);
  }

  private Effect<AgentEvent, State> onSubscribe(State state, Subscribe subscribe) {
    if (subscribers.add(subscribe.subscriber())) {
      context.watchWith(subscribe.subscriber(), new SubscriberGone(subscribe.subscriber()));
    }
    subscribe.subscriber().tell(published);
    return Effect().none();
  }

  private Effect<AgentEvent, State> onMirror(State state, Mirror mirror) {
    Map<String, AgentRegistration> byId = new HashMap<>();
    mirror.registrations().forEach(registration -> byId.put(registration.id(), registration));
    mirrored = byId;
    return Effect().none().thenRun(this::reconcile);
  }

  private Effect<AgentEvent, State> onSubscribeRegistrations(State state,
      SubscribeRegistrations subscribe) {
    if (registrationSubscribers.add(subscribe.subscriber())) {
      context.watchWith(subscribe.subscriber(),
          new RegistrationsSubscriberGone(subscribe.subscriber()));
    }
    subscribe.subscriber().tell(publishedRegistrations);
    return Effect().none();
  }

  // ---- events ----

  @Override
  public EventHandler<State, AgentEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(AgentEvent.Registered.class, (state, registered) -> state.with(
            new RegisteredAgent(registered.registration(), registered.at(), registered.at(),
                registered.expiresAt())))
        .onEvent(AgentEvent.HeartbeatRecorded.class, (state, beat) -> {
          RegisteredAgent agent = state.agents().get(beat.agentId());
          return agent == null ? state : state.with(agent.heartbeat(beat.at(), beat.expiresAt()));
        })
        .onEvent(AgentEvent.Deregistered.class, (state, gone) -> state.without(gone.agentId()))
        .onEvent(AgentEvent.Expired.class, (state, expired) -> state.without(expired.agentId()))
        .build();
  }

  // ---- side effects ----

  /**
   * Brings the children in line with {@code state} and the mirrored registrations (an actor per
   * agent that is not past its deadline), tells subscribers if the live set or the journaled
   * registrations changed, and re-arms the expiry timer.
   */
  private void reconcile(State state) {
    Instant now = clock.instant();
    List<AgentRegistration> own = state.live(now).stream()
        .map(RegisteredAgent::registration).toList();
    Map<String, AgentRegistration> wanted = new HashMap<>(mirrored);
    own.forEach(registration -> wanted.put(registration.id(), registration));
    for (var it = children.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!entry.getValue().registration().equals(wanted.get(entry.getKey()))) {
        context.stop(entry.getValue().ref());
        it.remove();
      }
    }
    new TreeMap<>(wanted).forEach((id, registration) -> {
      if (!children.containsKey(id)) {
        spawn(registration);
      }
    });
    publish();
    if (!own.equals(publishedRegistrations.registrations())) {
      publishedRegistrations = new Registrations(own);
      registrationSubscribers.forEach(subscriber -> subscriber.tell(publishedRegistrations));
    }
    scheduleExpiry(state);
  }

  private void spawn(AgentRegistration registration) {
    if (!factories.buildsActors()) {
      return;
    }
    Optional<Behavior<Agent.Command>> behavior;
    try {
      behavior = factories.behaviorFor(registration);
    } catch (RuntimeException e) {
      context.getLog().error("agent {}: its actor could not be built: {}", registration.id(),
          e.toString());
      return;
    }
    if (behavior.isEmpty()) {
      // recovered from a journal written by a server that could run this kind
      context.getLog().warn("agent {} stays registered but idle: agents of kind {} cannot run"
          + " on this server", registration.id(), registration.kind());
      return;
    }
    ActorRef<Agent.Command> ref = context.spawn(
        Behaviors.supervise(behavior.get()).onFailure(SupervisorStrategy.restart()),
        "agent-" + registration.id() + "-" + (++incarnation));
    children.put(registration.id(), new Child(registration, ref));
  }

  private void publish() {
    List<AgentHandle> live = new TreeMap<>(children).values().stream()
        .map(child -> new AgentHandle(child.registration().profile(), child.ref()))
        .toList();
    if (!live.equals(published)) {
      published = live;
      subscribers.forEach(subscriber -> subscriber.tell(live));
    }
  }

  private void scheduleExpiry(State state) {
    Optional<Instant> earliest = state.agents().values().stream()
        .map(RegisteredAgent::expiresAt).filter(Objects::nonNull).min(Instant::compareTo);
    if (earliest.isEmpty()) {
      timers.cancel(ExpireDue.INSTANCE);
      return;
    }
    Duration delay = Duration.between(clock.instant(), earliest.get());
    timers.startSingleTimer(ExpireDue.INSTANCE, delay.isNegative() ? Duration.ZERO : delay);
  }

  private static Instant deadline(AgentRegistration registration, Instant from) {
    return registration.expires() ? from.plus(registration.ttl()) : null;
  }

  /** The names of the settings that differ, for a conflict message. */
  static List<String> differences(AgentRegistration a, AgentRegistration b) {
    List<String> names = new ArrayList<>();
    if (a.kind() != b.kind()) {
      names.add("kind");
    }
    if (!a.profile().capabilities().equals(b.profile().capabilities())) {
      names.add("capabilities");
    }
    if (a.profile().maxConcurrent() != b.profile().maxConcurrent()) {
      names.add("maxConcurrent");
    }
    if (a.profile().rateLimitPerMinute() != b.profile().rateLimitPerMinute()) {
      names.add("rateLimitPerMinute");
    }
    if (!Objects.equals(a.endpoint(), b.endpoint())) {
      names.add("endpoint");
    }
    if (!Objects.equals(a.model(), b.model())) {
      names.add("model");
    }
    if (!Objects.equals(a.cwd(), b.cwd())) {
      names.add("cwd");
    }
    if (!a.ttl().equals(b.ttl())) {
      names.add("ttlSeconds");
    }
    return names;
  }
}
