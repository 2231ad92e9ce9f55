package io.workmate.registry;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentRegistration;
import io.workmate.agents.GatewayAgent;
import io.workmate.agents.HttpAgent;
import io.workmate.gateway.GatewayConnection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * How the registry builds the actor of each kind of agent. The registry does not know how a
 * Codex agent is built (that needs the Codex pool) nor which gateway connection to use, so the
 * caller supplies those; {@code http} agents are built in.
 *
 * <pre>{@code
 * AgentFactories factories = AgentFactories.standard()
 *     .with(AgentKind.CODEX, registration -> CodexAgent.create(registration, pool))
 *     .withGateway(gatewayConnection);
 * }</pre>
 */
public final class AgentFactories {

  private final Map<AgentKind, Function<AgentRegistration, Behavior<Agent.Command>>> byKind;
  /** False for a registry that only keeps registrations: their actors run elsewhere. */
  private final boolean buildsActors;

  private AgentFactories(
      Map<AgentKind, Function<AgentRegistration, Behavior<Agent.Command>>> byKind,
      boolean buildsActors) {
    this.byKind = byKind;
    this.buildsActors = buildsActors;
  }

  /** Nothing can be registered. */
  public static AgentFactories none() {
    return new AgentFactories(new EnumMap<>(AgentKind.class), true);
  }

  /**
   * Agents of {@code kinds} (those this one can build) can be registered, and no actor is built
   * for them: a cluster's registry of shared agents keeps the registrations, and every node runs
   * its own actor per agent ({@link AgentRegistry.Mirror}).
   */
  public AgentFactories registrationsOnly(java.util.Set<AgentKind> kinds) {
    Map<AgentKind, Function<AgentRegistration, Behavior<Agent.Command>>> copy =
        new EnumMap<>(AgentKind.class);
    byKind.forEach((kind, factory) -> {
      if (kinds.contains(kind)) {
        copy.put(kind, factory);
      }
    });
    return new AgentFactories(copy, false);
  }

  boolean buildsActors() {
    return buildsActors;
  }

  /** {@code http} agents ({@link HttpAgent}). */
  public static AgentFactories standard() {
    return none().with(AgentKind.HTTP, HttpAgent::create);
  }

  /** A copy that builds agents of {@code kind} with {@code factory}. */
  public AgentFactories with(AgentKind kind,
      Function<AgentRegistration, Behavior<Agent.Command>> factory) {
    Map<AgentKind, Function<AgentRegistration, Behavior<Agent.Command>>> copy =
        new EnumMap<>(AgentKind.class);
    copy.putAll(byKind);
    copy.put(kind, factory);
    return new AgentFactories(copy, buildsActors);
  }

  /** A copy that runs {@code gateway} agents on {@code connection}. */
  public AgentFactories withGateway(ActorRef<GatewayConnection.Command> connection) {
    return with(AgentKind.GATEWAY, registration -> GatewayAgent.create(registration, connection));
  }

  /** The same, with how long a run whose link dropped waits for it to return. */
  public AgentFactories withGateway(ActorRef<GatewayConnection.Command> connection,
      Duration reattachWindow) {
    return with(AgentKind.GATEWAY,
        registration -> GatewayAgent.create(registration, connection, reattachWindow));
  }

  public boolean supports(AgentKind kind) {
    return byKind.containsKey(kind);
  }

  Optional<Behavior<Agent.Command>> behaviorFor(AgentRegistration registration) {
    return Optional.ofNullable(byKind.get(registration.kind())).map(f -> f.apply(registration));
  }
}
