package io.workmate.agents;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayReply;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.RunUpdate;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.AgentWaitParams;
import io.workmate.protocol.openclaw.AgentWaitResult;
import io.workmate.protocol.openclaw.ChatRequests;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.MalformedFrameException;
import io.workmate.protocol.openclaw.RunEvent;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One {@code agent} run on a gateway connection, reported as {@link Agent.Update}s —
 * {@code Started} with the run id once the gateway accepts it, an {@code agent_message_delta}
 * item per streamed piece of the reply, and one {@code Finished}: SUCCEEDED with the final text,
 * FAILED with the gateway's error (or a refused run, a lost run, no answer in time), INTERRUPTED
 * on {@link Interrupt}. Jobs ({@link GatewayAgent}) and messages run prompts through it.
 *
 * <p>If the link drops mid-run, the run may live on in the gateway: the run waits up to the
 * reattach window for the link ({@link #awaitingLink}), asks {@code agent.wait} for the run
 * ({@link #reattaching}) and takes its result ({@link Agent.RunEnd.Kind#REATTACHED}); if the
 * link does not return or the gateway no longer knows the run, the run is
 * {@link Agent.RunEnd.Kind#LOST}.
 *
 * <p>An interrupt or timeout asks the gateway to abort the run ({@code chat.abort} on the run's
 * own session) and ends at once; whatever the gateway says later is ignored, because the actor
 * is gone.
 */
public final class GatewayRun {

  public sealed interface Command {}

  public enum Interrupt implements Command {
    INSTANCE
  }

  private record FromGateway(RunUpdate update) implements Command {}

  private record LinkStatus(GatewayStatus status) implements Command {}

  private record WaitAnswered(GatewayReply reply) implements Command {}

  private enum TimedOut implements Command {
    INSTANCE
  }

  private enum ReattachWindowOver implements Command {
    INSTANCE
  }

  /** Where the run goes and under which names. */
  public record Target(ActorRef<GatewayConnection.Command> connection, String openClawAgent,
      String sessionKey, String idempotencyKey, Duration reattachWindow) {}

  private static final GatewayCodec CODEC = new GatewayCodec();
  /** {@code agent.wait} may block this long beyond the reattach window. */
  private static final Duration WAIT_BEYOND_WINDOW = Duration.ofMinutes(10);

  public static Behavior<Command> create(Target target, Agent.Invocation invocation,
      ActorRef<Agent.Update> invoker) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<RunUpdate> updates = context.messageAdapter(RunUpdate.class, FromGateway::new);
      target.connection().tell(new GatewayConnection.StartRun(AgentParams.run(
          invocation.prompt(), target.openClawAgent(), target.sessionKey(),
          target.idempotencyKey()), updates));
      timers.startSingleTimer(TimedOut.INSTANCE, invocation.timeout());
      return new GatewayRun(target, invocation, invoker, context, timers).running();
    }));
  }

  private final Target target;
  private final Agent.Invocation invocation;
  private final ActorRef<Agent.Update> invoker;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private String runId;

  private GatewayRun(Target target, Agent.Invocation invocation, ActorRef<Agent.Update> invoker,
      ActorContext<Command> context, TimerScheduler<Command> timers) {
    this.target = target;
    this.invocation = invocation;
    this.invoker = invoker;
    this.context = context;
    this.timers = timers;
  }

  private Behavior<Command> running() {
    return ending()
        .onMessage(FromGateway.class, from -> onUpdate(from.update()))
        .build();
  }

  /** What every state does: an interrupt or the timeout ends the run at once. */
  private BehaviorBuilder<Command> ending() {
    return Behaviors.receive(Command.class)
        .onMessage(Interrupt.class, interrupt -> {
          abort();
          return finish(Agent.Outcome.INTERRUPTED, null, "interrupted");
        })
        .onMessage(TimedOut.class, timedOut -> {
          abort();
          return finish(Agent.Outcome.FAILED, null, "the gateway run did not finish within "
              + invocation.timeout().toMillis() + " ms; asked the gateway to abort it");
        });
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
          : finish(Agent.Outcome.FAILED, finished.text(),
              "the gateway run failed: " + finished.error(), Agent.RunEnd.ran(finished.error()));
    }
    if (update instanceof RunUpdate.Rejected rejected) {
      return finish(Agent.Outcome.FAILED, null, "the gateway refused the run: "
          + rejected.error(), new Agent.RunEnd(Agent.RunEnd.Kind.REFUSED,
              rejected.error().message()));
    }
    return linkLost((RunUpdate.LinkLost) update);
  }

  // --- re-attaching after a lost link ---------------------------------------------------------

  private Behavior<Command> linkLost(RunUpdate.LinkLost lost) {
    runId = lost.runId();
    context.getLog().info("run {}: link lost ({}); waiting up to {} s for it to return", runId,
        lost.reason(), target.reattachWindow().toSeconds());
    timers.startSingleTimer(ReattachWindowOver.INSTANCE, target.reattachWindow());
    target.connection().tell(new GatewayConnection.WatchStatus(
        context.messageAdapter(GatewayStatus.class, LinkStatus::new)));
    return awaitingLink();
  }

  private Behavior<Command> awaitingLink() {
    return ending()
        .onMessage(LinkStatus.class, status -> {
          if (!status.status().state().usable()) {
            return Behaviors.same();
          }
          timers.cancel(ReattachWindowOver.INSTANCE);
          Duration wait = target.reattachWindow().plus(WAIT_BEYOND_WINDOW);
          target.connection().tell(new GatewayConnection.Call(GatewayMethods.AGENT_WAIT,
              CODEC.toTree(new AgentWaitParams(runId, wait.toMillis())),
              Optional.of(wait.plusSeconds(5)),
              context.messageAdapter(GatewayReply.class, WaitAnswered::new)));
          return reattaching();
        })
        .onMessage(ReattachWindowOver.class, over -> lostFor("the gateway link dropped during run "
            + runId + " and did not return within " + target.reattachWindow().toSeconds()
            + " s"))
        .onMessage(FromGateway.class, ignored -> Behaviors.same())
        .build();
  }

  private Behavior<Command> reattaching() {
    return ending()
        .onMessage(WaitAnswered.class, answered -> {
          GatewayReply reply = answered.reply();
          Optional<AgentWaitResult> waited = waitResult(reply);
          if (waited.isPresent() && waited.get().succeeded()) {
            String text = Optional.ofNullable(waited.get().replyText()).orElse("");
            return finish(Agent.Outcome.SUCCEEDED, text, null,
                new Agent.RunEnd(Agent.RunEnd.Kind.REATTACHED, runId));
          }
          return lostFor("the gateway no longer had run " + runId + " after the link returned ("
              + describe(reply, waited) + ")");
        })
        .onMessage(LinkStatus.class, ignored -> Behaviors.same())
        .onMessage(FromGateway.class, ignored -> Behaviors.same())
        .onMessage(ReattachWindowOver.class, ignored -> Behaviors.same())
        .build();
  }

  private Behavior<Command> lostFor(String why) {
    return finish(Agent.Outcome.FAILED, null, why, new Agent.RunEnd(Agent.RunEnd.Kind.LOST, why));
  }

  private static Optional<AgentWaitResult> waitResult(GatewayReply reply) {
    if (!(reply instanceof GatewayReply.Ok ok)) {
      return Optional.empty();
    }
    try {
      return Optional.of(CODEC.read(ok.payload(), AgentWaitResult.class));
    } catch (MalformedFrameException e) {
      return Optional.empty();
    }
  }

  private static String describe(GatewayReply reply, Optional<AgentWaitResult> waited) {
    if (reply instanceof GatewayReply.Ok) {
      return waited.map(result -> "status " + Optional.ofNullable(result.status()).orElse("?")
          + " " + Optional.ofNullable(result.error()).orElse("")).orElse("status ? ");
    }
    if (reply instanceof GatewayReply.Rejected rejected) {
      return rejected.error().toString();
    }
    return ((GatewayReply.Unavailable) reply).reason();
  }

  // --- shared ---------------------------------------------------------------------------------

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
    target.connection().tell(GatewayConnection.Call.of(GatewayMethods.CHAT_ABORT,
        CODEC.toTree(new ChatRequests.AbortParams(target.sessionKey(), runId)),
        context.getSystem().ignoreRef()));
  }

  private Behavior<Command> finish(Agent.Outcome outcome, String text, String error) {
    return finish(outcome, text, error, Agent.RunEnd.ran(error));
  }

  private Behavior<Command> finish(Agent.Outcome outcome, String text, String error,
      Agent.RunEnd end) {
    invoker.tell(new Agent.Update.Finished(invocation.id(), outcome, text, error, end));
    return Behaviors.stopped();
  }
}
