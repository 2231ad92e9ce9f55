package io.workmate.runtime;

import io.workmate.agents.Agent;
import io.workmate.agents.CodexInvocation;
import io.workmate.agents.GatewayRun;
import io.workmate.codex.CodexPool;
import io.workmate.gateway.GatewayConnection;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One message, run as an agent invocation on the same path a job takes: a {@link GatewayRun}
 * on the gateway of the runtime's mode ({@link #onGateway}), or a {@link CodexInvocation} on
 * local Codex ({@link #onLocalCodex}). It replies with the {@link MessageOutcome} and stops.
 *
 * <p>The gateway run re-attaches itself after a lost link. When the gateway refused the run, or
 * lost it for good, the message runs on local Codex instead, and the caller is told why.
 */
final class MessageInvocation {

  sealed interface Command {}

  private record FromAgent(Agent.Update update) implements Command {}

  /**
   * A message has no deadline of its own (the HTTP request's timeout is its caller's); this
   * only bounds the invocation so no run waits forever.
   */
  static final Duration TIMEOUT = Duration.ofHours(1);

  static Behavior<Command> viaGateway(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route, String id, String prompt, RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex, ActorRef<MessageOutcome> replyTo) {
    return Behaviors.setup(context -> new MessageInvocation(context, id, prompt, settings,
        codex, replyTo).startOnGateway(gateway, route));
  }

  static Behavior<Command> viaLocalCodex(String id, String prompt, RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex, ActorRef<MessageOutcome> replyTo) {
    return Behaviors.setup(context -> new MessageInvocation(context, id, prompt, settings,
        codex, replyTo).startOnLocalCodex(Optional.empty()));
  }

  private final ActorContext<Command> context;
  private final Agent.Invocation invocation;
  private final RuntimeSettings settings;
  private final ActorRef<CodexPool.Command> codex;
  private final ActorRef<MessageOutcome> replyTo;
  private final ActorRef<Agent.Update> updates;

  private MessageInvocation(ActorContext<Command> context, String id, String prompt,
      RuntimeSettings settings, ActorRef<CodexPool.Command> codex,
      ActorRef<MessageOutcome> replyTo) {
    this.context = context;
    this.invocation = new Agent.Invocation(id, prompt, null, null, TIMEOUT);
    this.settings = settings;
    this.codex = codex;
    this.replyTo = replyTo;
    this.updates = context.messageAdapter(Agent.Update.class, FromAgent::new);
  }

  private Behavior<Command> startOnGateway(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route) {
    // every message is a new run of the messages session: a fresh idempotency key
    GatewayRun.Target target = new GatewayRun.Target(gateway, settings.agentId(),
        "agent:" + settings.agentId() + ":workmate", GatewayConnection.idempotencyKey(),
        settings.reattachWindow());
    context.spawn(GatewayRun.create(target, invocation, updates), "run");
    return onGateway(route);
  }

  private Behavior<Command> onGateway(MessageOutcome.Route route) {
    return Behaviors.receive(Command.class)
        .onMessage(FromAgent.class, from -> {
          if (!(from.update() instanceof Agent.Update.Finished finished)) {
            return Behaviors.same();
          }
          Agent.RunEnd end = finished.end();
          return switch (end.kind()) {
            case REFUSED -> startOnLocalCodex(Optional.of("the gateway did not take the run ("
                + end.detail() + "); ran on local Codex instead"));
            case LOST -> startOnLocalCodex(Optional.of(end.detail() + "; re-ran on local Codex"));
            case REATTACHED -> reply(outcome(route, finished, Optional.of("re-attached to run "
                + end.detail() + " after the gateway link returned")));
            case RAN -> reply(outcome(route, finished, Optional.empty()));
          };
        })
        .build();
  }

  private Behavior<Command> startOnLocalCodex(Optional<String> note) {
    note.ifPresent(n -> context.getLog().info("message: {}", n));
    context.spawn(CodexInvocation.create(codex, settings.localThread(), invocation, updates),
        "local-codex");
    return Behaviors.receive(Command.class)
        .onMessage(FromAgent.class, from -> from.update() instanceof Agent.Update.Finished done
            ? reply(outcome(MessageOutcome.Route.LOCAL_CODEX, done, note))
            : Behaviors.same())
        .build();
  }

  /** The backend's own words: its text even when it failed, its error unprefixed. */
  private static MessageOutcome outcome(MessageOutcome.Route route,
      Agent.Update.Finished finished, Optional<String> note) {
    boolean ok = finished.outcome() == Agent.Outcome.SUCCEEDED;
    return new MessageOutcome(route, ok, Optional.ofNullable(finished.text()).orElse(""),
        ok ? Optional.empty() : Optional.ofNullable(finished.end().detail()), note);
  }

  private Behavior<Command> reply(MessageOutcome outcome) {
    replyTo.tell(outcome);
    return Behaviors.stopped();
  }
}
