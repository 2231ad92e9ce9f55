package io.workmate.registry.cluster;

import io.workmate.registry.AgentRegistry;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Keeps one node's registry running the cluster's shared agents: it subscribes to the shared
 * registry's registrations and passes each new set on ({@link AgentRegistry.Mirror}). It
 * subscribes again every {@link #RESUBSCRIBE}: the shared registry may have moved to another
 * node (and lost its subscribers), and the message also starts it there.
 */
final class SharedAgentsMirror {

  static final Duration RESUBSCRIBE = Duration.ofSeconds(2);

  private interface Command {}

  private enum Resubscribe implements Command { INSTANCE }

  private record Received(AgentRegistry.Registrations registrations) implements Command {}

  private final RecipientRef<AgentRegistry.Command> shared;
  private final ActorRef<AgentRegistry.Command> nodeRegistry;
  private final ActorRef<AgentRegistry.Registrations> adapter;

  private SharedAgentsMirror(RecipientRef<AgentRegistry.Command> shared,
      ActorRef<AgentRegistry.Command> nodeRegistry,
      ActorRef<AgentRegistry.Registrations> adapter) {
    this.shared = shared;
    this.nodeRegistry = nodeRegistry;
    this.adapter = adapter;
  }

  static Behavior<?> create(RecipientRef<AgentRegistry.Command> shared,
      ActorRef<AgentRegistry.Command> nodeRegistry) {
    return Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Resubscribe.INSTANCE, Duration.ZERO, RESUBSCRIBE);
      return new SharedAgentsMirror(shared, nodeRegistry,
          context.messageAdapter(AgentRegistry.Registrations.class, Received::new))
          .mirroring(null);
    }));
  }

  /** {@code last}: the registrations this node runs now (null before the first answer). */
  private Behavior<Command> mirroring(AgentRegistry.Registrations last) {
    return Behaviors.receive(Command.class)
        .onMessage(Resubscribe.class, resubscribe -> {
          shared.tell(new AgentRegistry.SubscribeRegistrations(adapter));
          return Behaviors.same();
        })
        .onMessage(Received.class, received -> {
          if (received.registrations().equals(last)) {
            return Behaviors.same();
          }
          nodeRegistry.tell(new AgentRegistry.Mirror(received.registrations().registrations()));
          return mirroring(received.registrations());
        })
        .build();
  }
}
