package io.workmate.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.RunUpdate;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.RunEvent;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One invocation of a {@link GatewayAgent}: starts an {@code agent} run on the gateway
 * connection and reports it as {@link Agent.Update}s — {@code Started} with the run id once the
 * gateway accepts it, an {@code agent_message_delta} item per streamed piece of the reply, and
 * one {@code Finished}: SUCCEEDED with the final text, FAILED with the gateway's error (or a
 * refused run, a lost link, no answer in time), INTERRUPTED on {@link Interrupt}. An interrupt
 * or timeout asks the gateway to abort the run ({@code chat.abort} on the run's own session)
 * and ends at once; whatever the gateway says later is ignored, because the actor is gone.
 */
final class GatewayRun {

  sealed interface Command {}

  enum Interrupt implements Command {
    INSTANCE
  }

  private record FromGateway(RunUpdate update) implements Command {}

  private enum TimedOut implements Command {
    INSTANCE
  }

  static Behavior<Command> create(ActorRef<GatewayConnection.Command> connection,
      String openClawAgent, String sessionKey, String idempotencyKey,
      Agent.Invocation invocation, ActorRef<Agent.Update> invoker) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<RunUpdate> updates = context.messageAdapter(RunUpdate.class, FromGateway::new);
      connection.tell(new GatewayConnection.StartRun(
          AgentParams.run(invocation.prompt(), openClawAgent, sessionKey, idempotencyKey),
          updates));
      timers.startSingleTimer(TimedOut.INSTANCE, invocation.timeout());
      return new GatewayRun(connection, sessionKey, invocation, invoker, context).running();
    }));
  }

  private final ActorRef<GatewayConnection.Command> connection;
  private final String sessionKey;
  private final Agent.Invocation invocation;
  private final ActorRef<Agent.Update> invoker;
  private final ActorContext<Command> context;
  private String runId;

  private GatewayRun(ActorRef<GatewayConnection.Command> connection, String sessionKey,
      Agent.Invocation invocation, ActorRef<Agent.Update> invoker,
      ActorContext<Command> context) {
    this.connection = connection;
    this.sessionKey = sessionKey;
    this.invocation = invocation;
    this.invoker = invoker;
    this.context = context;
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(FromGateway.class, from -> onUpdate(from.update()))
        .onMessage(Interrupt.class, interrupt -> {
          abort();
          return finish(Agent.Outcome.INTERRUPTED, null, "interrupted");
        })
        .onMessage(TimedOut.class, timedOut -> {
          abort();
          return finish(Agent.Outcome.FAILED, null, "the gateway run did not finish within "
              + invocation.timeout().toMillis() + " ms; asked the gateway to abort it");
        })
        .build();
  }

  private Behavior<Command> onUpdate(RunUpdate update) {
    if (update instanceof RunUpdate.Accepted accepted) {
      runId = accepted.runId();
      invoker.tell(new Agent.Update.Started(invocation.id(), runId));
      return Behaviors.same();
    }
    if (update instanceof RunUpdate.Progress progress) {
      streamed(progress.event());
      return Behaviors.same();
    }
    if (update instanceof RunUpdate.Finished finished) {
      return finished.ok() ? finish(Agent.Outcome.SUCCEEDED, finished.text(), null)
          : finish(Agent.Outcome.FAILED, null, "the gateway run failed: " + finished.error());
    }
    if (update instanceof RunUpdate.Rejected rejected) {
      return finish(Agent.Outcome.FAILED, null, "the gateway refused the run: "
          + rejected.error());
    }
    RunUpdate.LinkLost lost = (RunUpdate.LinkLost) update;
    return finish(Agent.Outcome.FAILED, null,
        "the link to the gateway dropped while the run was in flight: " + lost.reason());
  }

  /**
   * Reply text arrives twice, on the agent's {@code assistant} stream and as chat deltas; only
   * the former is passed on so no piece shows twice.
   */
  private void streamed(RunEvent event) {
    if (event.source() != RunEvent.Source.AGENT
        || !RunEvent.STREAM_ASSISTANT.equals(event.stream())
        || event.deltaText() == null || event.deltaText().isEmpty()) {
      return;
    }
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("itemId", runId == null ? event.runId() : runId);
    data.put("delta", event.deltaText());
    invoker.tell(new Agent.Update.Item(invocation.id(), "agent_message_delta", data));
  }

  /** Fire and forget: the invocation ends here whatever the gateway answers. */
  private void abort() {
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    params.put("sessionKey", sessionKey);
    if (runId != null) {
      params.put("runId", runId);
    }
    connection.tell(GatewayConnection.Call.of(GatewayMethods.CHAT_ABORT, params,
        context.getSystem().ignoreRef()));
  }

  private Behavior<Command> finish(Agent.Outcome outcome, String text, String error) {
    invoker.tell(new Agent.Update.Finished(invocation.id(), outcome, text, error));
    return Behaviors.stopped();
  }
}
