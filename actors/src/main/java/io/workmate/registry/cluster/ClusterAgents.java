package io.workmate.registry.cluster;

import io.workmate.agents.AgentKind;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.RegisteredAgent;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The agent registry of a cluster as one registry: every node has one and answers the API
 * through it (it speaks {@link AgentRegistry.Command}).
 *
 * <ul>
 *   <li>Agents any node can run (kinds {@code http} and {@code gateway}) are registered once for
 *       the cluster, in the sharded entity {@link #SHARED} (persistence id
 *       {@code agent-registry|@cluster}), which keeps their registrations, heartbeats and expiry
 *       and runs no actor. Every node mirrors them into its own registry
 *       ({@link SharedAgentsMirror}), which runs an actor per agent there, so a job shard finds
 *       them on whichever node hosts it.</li>
 *   <li>Agents local to a node ({@code codex}, {@code echo}: a Codex process cannot move) stay in
 *       that node's registry ({@code agent-registry|<node>}); their ids end in {@code @<node>}.</li>
 * </ul>
 *
 * A listing, and a question about one agent, go to the shared registry and every node's
 * registry (found through the receptionist) and are merged ({@link AgentsQuery}).
 */
public final class ClusterAgents {

  /** The entity type of the shared registry; it has one entity, {@link #SHARED_ID}. */
  public static final EntityTypeKey<AgentRegistry.Command> SHARED =
      EntityTypeKey.create(AgentRegistry.Command.class, "agent-registry");
  /** A name no node can have (node names are {@code [a-z0-9-]}). */
  public static final String SHARED_ID = "@cluster";
  /** Every node's own registry, for the questions about all agents. */
  public static final ServiceKey<AgentRegistry.Command> NODE_REGISTRIES =
      ServiceKey.create(AgentRegistry.Command.class, "node-agent-registry");
  /** The kinds of agent any node can run, registered for the whole cluster. */
  public static final Set<AgentKind> SHARED_KINDS = EnumSet.of(AgentKind.HTTP, AgentKind.GATEWAY);

  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * @param node this node's name
   * @param nodeRegistry this node's registry: its own agents, and the shared ones it runs
   * @param factories what this node can build; the shared registry validates with the same
   */
  public static Behavior<AgentRegistry.Command> create(String node,
      ActorRef<AgentRegistry.Command> nodeRegistry, AgentFactories factories, Clock clock) {
    return Behaviors.setup(context -> {
      ClusterSharding sharding = ClusterSharding.get(context.getSystem());
      AgentFactories shared = factories.registrationsOnly(SHARED_KINDS);
      sharding.init(Entity.of(SHARED, entity -> AgentRegistry.create(SHARED_ID, shared, clock))
          .withSettings(ClusterShardingSettings.create(context.getSystem())
              .withNoPassivationStrategy()));
      EntityRef<AgentRegistry.Command> registry = sharding.entityRefFor(SHARED, SHARED_ID);
      context.getSystem().receptionist()
          .tell(Receptionist.register(NODE_REGISTRIES, nodeRegistry));
      context.spawn(SharedAgentsMirror.create(registry, nodeRegistry), "shared-agents-mirror");
      return new ClusterAgents(context, node, nodeRegistry, registry).serving();
    });
  }

  /**
   * Whether {@code agentId} is registered in the cluster's shared registry (false also when the
   * registry does not answer within {@code timeout}). For the job front, which asks it when a
   * shard does not know an agent yet.
   */
  public static CompletionStage<Boolean> isShared(ActorSystem<?> system, String agentId,
      Duration timeout) {
    return ClusterSharding.get(system).entityRefFor(SHARED, SHARED_ID)
        .<AgentRegistry.Reply>ask(replyTo -> new AgentRegistry.GetAgent(agentId, replyTo),
            timeout)
        .handle((reply, failure) -> reply instanceof AgentRegistry.Reply.Current);
  }

  private final ActorContext<AgentRegistry.Command> context;
  private final String node;
  private final ActorRef<AgentRegistry.Command> nodeRegistry;
  private final EntityRef<AgentRegistry.Command> shared;

  private ClusterAgents(ActorContext<AgentRegistry.Command> context, String node,
      ActorRef<AgentRegistry.Command> nodeRegistry, EntityRef<AgentRegistry.Command> shared) {
    this.context = context;
    this.node = node;
    this.nodeRegistry = nodeRegistry;
    this.shared = shared;
  }

  private Behavior<AgentRegistry.Command> serving() {
    return Behaviors.receive(AgentRegistry.Command.class)
        .onMessage(AgentRegistry.Register.class, this::onRegister)
        .onMessage(AgentRegistry.Deregister.class, deregister -> oneAgent(deregister.agentId(),
            replyTo -> new AgentRegistry.Deregister(deregister.agentId(), replyTo),
            deregister.replyTo()))
        .onMessage(AgentRegistry.Heartbeat.class, heartbeat -> oneAgent(heartbeat.agentId(),
            replyTo -> new AgentRegistry.Heartbeat(heartbeat.agentId(), replyTo),
            heartbeat.replyTo()))
        .onMessage(AgentRegistry.GetAgent.class, get -> oneAgent(get.agentId(),
            replyTo -> new AgentRegistry.GetAgent(get.agentId(), replyTo), get.replyTo()))
        .onMessage(AgentRegistry.ListAgents.class,
            list -> allAgents(AgentRegistry.ListAgents::new, list.replyTo()))
        .onMessage(AgentRegistry.Discover.class, discover -> allAgents(
            replyTo -> new AgentRegistry.Discover(discover.capabilities(), replyTo),
            discover.replyTo()))
        .onAnyMessage(other -> {
          // subscriptions and the rest are about the agents that run here
          nodeRegistry.tell(other);
          return Behaviors.same();
        })
        .build();
  }

  /**
   * A shared kind goes to the cluster's registry; a local kind to this node's, under an id
   * naming this node (it runs here only). A kind that does not parse goes to the cluster's
   * registry, which says why it is refused.
   */
  private Behavior<AgentRegistry.Command> onRegister(AgentRegistry.Register register) {
    String id = register.request().id();
    AgentKind kind = kindOf(register.request().kind());
    if (kind == null || SHARED_KINDS.contains(kind)) {
      if (id != null && id.contains("@")) {
        register.replyTo().tell(new AgentRegistry.Reply.Rejected(AgentRegistry.INVALID,
            "\"id\" " + id + ": an id with @ names an agent of one node; agents of kind "
                + (kind == null ? "http or gateway" : kind.wireName())
                + " run on every node of the cluster, so their id has no @"));
        return Behaviors.same();
      }
      shared.tell(register);
    } else if (id != null && id.endsWith("@" + node)) {
      nodeRegistry.tell(register);
    } else {
      register.replyTo().tell(new AgentRegistry.Reply.Rejected(AgentRegistry.INVALID,
          "\"id\" " + id + ": agents of kind " + kind.wireName() + " run on one node, and "
              + "their id ends with @<node>; register it on that node (this is " + node
              + ": \"" + (id == null ? "<id>" : id.replaceFirst("@.*$", "")) + "@" + node
              + "\")"));
    }
    return Behaviors.same();
  }

  private Behavior<AgentRegistry.Command> oneAgent(String agentId,
      Function<ActorRef<AgentRegistry.Reply>, AgentRegistry.Command> question,
      ActorRef<AgentRegistry.Reply> replyTo) {
    context.spawnAnonymous(AgentsQuery.create(shared, nodeRegistry, AgentRegistry.Reply.class,
        question, reply -> !(reply instanceof AgentRegistry.Reply.NotFound), answers -> {
          AgentRegistry.Reply found = answers.replies().stream()
              .filter(reply -> !(reply instanceof AgentRegistry.Reply.NotFound))
              .findFirst().orElse(null);
          if (found != null) {
            replyTo.tell(found);
          } else if (answers.complete()) {
            replyTo.tell(new AgentRegistry.Reply.NotFound(agentId));
          } // else: a registry did not answer; the caller's ask times out (503)
        }));
    return Behaviors.same();
  }

  private Behavior<AgentRegistry.Command> allAgents(
      Function<ActorRef<AgentRegistry.Agents>, AgentRegistry.Command> question,
      ActorRef<AgentRegistry.Agents> replyTo) {
    context.spawnAnonymous(AgentsQuery.create(shared, nodeRegistry, AgentRegistry.Agents.class,
        question, reply -> false, answers -> {
          if (!answers.complete()) {
            context.getLog().warn("agents: a node's registry did not answer within {}; "
                + "its agents are missing from this answer", QUERY_TIMEOUT);
          }
          Map<String, RegisteredAgent> byId = new LinkedHashMap<>();
          answers.replies().forEach(agents -> agents.agents()
              .forEach(agent -> byId.putIfAbsent(agent.id(), agent)));
          replyTo.tell(new AgentRegistry.Agents(byId.values().stream()
              .sorted(Comparator.comparing(RegisteredAgent::id)).toList()));
        }));
    return Behaviors.same();
  }

  private static AgentKind kindOf(String wire) {
    try {
      return wire == null ? null : AgentKind.fromWireName(wire.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
