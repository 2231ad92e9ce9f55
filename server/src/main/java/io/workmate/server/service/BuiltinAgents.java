package io.workmate.server.service;

import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentRegistration;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.registry.AgentRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Registers the service's own agents (the local codex agent, the echo agent when on) in the
 * registry at start, and passes every change of the registry's live agents on to the job
 * dispatcher. {@code ready} completes once the dispatcher knows the built-in agents, so the API
 * never opens to jobs with nowhere to run. A built-in agent whose settings changed since the
 * last run (the registry answers {@code conflict}) is deregistered and registered again.
 */
final class BuiltinAgents {

  sealed interface Command {}

  private record AgentsNow(List<AgentHandle> agents) implements Command {}

  private record Answered(AgentRegistration registration, AgentRegistry.Reply reply,
      Throwable failure, boolean replaced) implements Command {}

  private record Deregistered(AgentRegistration registration) implements Command {}

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

  private final ActorContext<Command> context;
  private final ActorRef<AgentRegistry.Command> registry;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final Set<String> builtinIds;
  private final CompletableFuture<Void> ready;

  static Behavior<Command> create(ActorRef<AgentRegistry.Command> registry,
      ActorRef<JobDispatcher.Command> dispatcher, List<AgentRegistration> builtins,
      CompletableFuture<Void> ready) {
    return Behaviors.setup(context -> {
      BuiltinAgents agents = new BuiltinAgents(context, registry, dispatcher,
          builtins.stream().map(r -> r.profile().id()).collect(Collectors.toSet()), ready);
      @SuppressWarnings("unchecked")
      ActorRef<List<AgentHandle>> subscriber = context.messageAdapter(
          (Class<List<AgentHandle>>) (Class<?>) List.class, AgentsNow::new);
      registry.tell(new AgentRegistry.Subscribe(subscriber));
      builtins.forEach(registration -> agents.register(registration, false));
      return agents.running();
    });
  }

  private BuiltinAgents(ActorContext<Command> context, ActorRef<AgentRegistry.Command> registry,
      ActorRef<JobDispatcher.Command> dispatcher, Set<String> builtinIds,
      CompletableFuture<Void> ready) {
    this.context = context;
    this.registry = registry;
    this.dispatcher = dispatcher;
    this.builtinIds = builtinIds;
    this.ready = ready;
  }

  private void register(AgentRegistration registration, boolean replaced) {
    context.ask(AgentRegistry.Reply.class, registry, ASK_TIMEOUT,
        replyTo -> AgentRegistry.Register.of(registration, replyTo),
        (reply, failure) -> new Answered(registration, reply, failure, replaced));
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(AgentsNow.class, now -> {
          dispatcher.tell(new JobDispatcher.AgentsChanged(now.agents()));
          Set<String> live = now.agents().stream().map(AgentHandle::id)
              .collect(Collectors.toSet());
          if (live.containsAll(builtinIds)) {
            ready.complete(null);
          }
          return Behaviors.same();
        })
        .onMessage(Answered.class, this::onAnswered)
        .onMessage(Deregistered.class, deregistered -> {
          register(deregistered.registration(), true);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onAnswered(Answered answered) {
    String id = answered.registration().profile().id();
    if (answered.reply() instanceof AgentRegistry.Reply.Rejected rejected
        && AgentRegistry.CONFLICT.equals(rejected.code()) && !answered.replaced()) {
      context.getLog().info("agent {}: its settings changed since the last run; registering it "
          + "again ({})", id, rejected.message());
      context.ask(AgentRegistry.Reply.class, registry, ASK_TIMEOUT,
          replyTo -> new AgentRegistry.Deregister(id, replyTo),
          (reply, failure) -> new Deregistered(answered.registration()));
    } else if (answered.reply() instanceof AgentRegistry.Reply.Registered) {
      context.getLog().debug("agent {} registered", id);
    } else {
      String why = answered.reply() != null ? answered.reply().toString()
          : String.valueOf(answered.failure());
      context.getLog().error("agent {} could not be registered: {}", id, why);
      ready.completeExceptionally(new IllegalStateException(
          "the built-in agent " + id + " could not be registered: " + why));
    }
    return Behaviors.same();
  }
}
