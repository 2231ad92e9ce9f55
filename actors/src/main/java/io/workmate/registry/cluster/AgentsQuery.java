package io.workmate.registry.cluster;

import io.workmate.registry.AgentRegistry;
import io.workmate.support.GatherQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * One question to the cluster's shared registry and every node's registry: it finds the nodes'
 * registries through the receptionist (and always asks its own node's, which the receptionist
 * may not list yet just after the start), then asks them all ({@link GatherQuery}, which hands
 * the answers over once), and stops with it.
 */
final class AgentsQuery {

  private interface Command {}

  private record Found(Set<ActorRef<AgentRegistry.Command>> nodes) implements Command {}

  private AgentsQuery() {}

  static <R> Behavior<?> create(RecipientRef<AgentRegistry.Command> shared,
      ActorRef<AgentRegistry.Command> ownNode, Class<R> replyType,
      Function<ActorRef<R>, AgentRegistry.Command> question, Predicate<R> settles,
      Consumer<GatherQuery.Answers<R>> done) {
    return Behaviors.<Command>setup(context -> {
      context.ask(Receptionist.Listing.class, context.getSystem().receptionist(),
          ClusterAgents.QUERY_TIMEOUT,
          replyTo -> Receptionist.find(ClusterAgents.NODE_REGISTRIES, replyTo),
          (listing, failure) -> new Found(listing == null ? Set.of()
              : listing.getServiceInstances(ClusterAgents.NODE_REGISTRIES)));
      return Behaviors.receive(Command.class)
          .onMessage(Found.class, found -> {
            Set<ActorRef<AgentRegistry.Command>> nodes = new HashSet<>(found.nodes());
            nodes.add(ownNode);
            List<RecipientRef<AgentRegistry.Command>> all = new ArrayList<>(nodes);
            all.add(shared);
            context.watch(context.spawn(GatherQuery.create(all, replyType, question,
                ClusterAgents.QUERY_TIMEOUT, settles, done), "gather"));
            return Behaviors.receive(Command.class)
                .onSignal(Terminated.class, gone -> Behaviors.stopped())
                .build();
          })
          .build();
    });
  }
}
