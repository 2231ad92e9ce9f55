package io.workmate.runtime;

import io.workmate.codex.CodexPool;
import io.workmate.codex.CodexThread;
import io.workmate.codex.ThreadEvent;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.TurnResult;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayReply;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import io.workmate.gateway.RunUpdate;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.AgentWaitParams;
import io.workmate.protocol.openclaw.AgentWaitResult;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.MalformedFrameException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Delivers one message and replies with its {@link MessageOutcome}, then stops.
 *
 * <p>On a gateway: an {@code agent} run ({@link #onGateway}). If the link drops mid-run the
 * run may still live in the gateway, so the delivery waits up to the reattach window for the
 * link ({@link #awaitingLink}), asks {@code agent.wait} for the run ({@link #reattaching}) and
 * takes its result; if the link does not return, or the gateway no longer knows the run, the
 * message runs on local Codex instead ({@link #onLocalCodex}). The caller is told which.
 */
final class MessageDelivery {

  sealed interface Command {}

  private record FromRun(RunUpdate update) implements Command {}

  private record LinkStatus(GatewayStatus status) implements Command {}

  private record WaitAnswered(GatewayReply reply) implements Command {}

  private record ThreadOpened(CodexPool.ThreadOpened opened) implements Command {}

  private record ThreadNews(ThreadEvent event) implements Command {}

  private record TurnDone(TurnResult result) implements Command {}

  private enum ReattachWindowOver implements Command {
    INSTANCE
  }

  static Behavior<Command> viaGateway(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route, String prompt, RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex, ActorRef<MessageOutcome> replyTo) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new MessageDelivery(context, timers, prompt, settings, codex, replyTo)
            .startOnGateway(gateway, route)));
  }

  static Behavior<Command> viaLocalCodex(String prompt, RuntimeSettings settings,
      ActorRef<CodexPool.Command> codex, ActorRef<MessageOutcome> replyTo, Optional<String> note) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new MessageDelivery(context, timers, prompt, settings, codex, replyTo)
            .startOnLocalCodex(note)));
  }

  private static final GatewayCodec CODEC = new GatewayCodec();

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String prompt;
  private final RuntimeSettings settings;
  private final ActorRef<CodexPool.Command> codex;
  private final ActorRef<MessageOutcome> replyTo;

  private MessageDelivery(ActorContext<Command> context, TimerScheduler<Command> timers,
      String prompt, RuntimeSettings settings, ActorRef<CodexPool.Command> codex,
      ActorRef<MessageOutcome> replyTo) {
    this.context = context;
    this.timers = timers;
    this.prompt = prompt;
    this.settings = settings;
    this.codex = codex;
    this.replyTo = replyTo;
  }

  // --- on a gateway ---------------------------------------------------------------------------

  private Behavior<Command> startOnGateway(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route) {
    String key = GatewayConnection.idempotencyKey();
    AgentParams params = AgentParams.run(prompt, settings.agentId(),
        "agent:" + settings.agentId() + ":workmate", key);
    gateway.tell(new GatewayConnection.StartRun(params,
        context.messageAdapter(RunUpdate.class, FromRun::new)));
    return onGateway(gateway, route, null);
  }

  private Behavior<Command> onGateway(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route, String acceptedRunId) {
    return Behaviors.receive(Command.class)
        .onMessage(FromRun.class, message -> {
          RunUpdate update = message.update();
          if (update instanceof RunUpdate.Accepted accepted) {
            return onGateway(gateway, route, accepted.runId());
          }
          if (update instanceof RunUpdate.Finished finished) {
            return reply(new MessageOutcome(route, finished.ok(), finished.text(),
                Optional.ofNullable(finished.error()), Optional.empty()));
          }
          if (update instanceof RunUpdate.Rejected rejected) {
            return startOnLocalCodex(Optional.of("the gateway did not take the run ("
                + rejected.error().message() + "); ran on local Codex instead"));
          }
          if (update instanceof RunUpdate.LinkLost lost) {
            return linkLost(gateway, route, lost.runId(), lost.reason());
          }
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> linkLost(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route, String runId, String reason) {
    context.getLog().info("run {}: link lost ({}); waiting up to {} s for it to return", runId,
        reason, settings.reattachWindow().toSeconds());
    timers.startSingleTimer(ReattachWindowOver.INSTANCE, settings.reattachWindow());
    gateway.tell(new GatewayConnection.WatchStatus(
        context.messageAdapter(GatewayStatus.class, LinkStatus::new)));
    return awaitingLink(gateway, route, runId);
  }

  private Behavior<Command> awaitingLink(ActorRef<GatewayConnection.Command> gateway,
      MessageOutcome.Route route, String runId) {
    return Behaviors.receive(Command.class)
        .onMessage(LinkStatus.class, status -> {
          if (status.status().state() != LinkState.CONNECTED
              && status.status().state() != LinkState.DEGRADED) {
            return Behaviors.same();
          }
          timers.cancel(ReattachWindowOver.INSTANCE);
          long waitMillis = settings.reattachWindow().toMillis()
              + Duration.ofMinutes(10).toMillis();
          gateway.tell(new GatewayConnection.Call(GatewayMethods.AGENT_WAIT,
              CODEC.toTree(new AgentWaitParams(runId, waitMillis)),
              Optional.of(Duration.ofMillis(waitMillis + 5_000)),
              context.messageAdapter(GatewayReply.class, WaitAnswered::new)));
          return reattaching(route, runId);
        })
        .onMessage(ReattachWindowOver.class, over -> startOnLocalCodex(Optional.of(
            "the gateway link dropped during run " + runId + " and did not return within "
                + settings.reattachWindow().toSeconds() + " s; re-ran on local Codex")))
        .onMessage(FromRun.class, ignored -> Behaviors.same())
        .build();
  }

  private Behavior<Command> reattaching(MessageOutcome.Route route, String runId) {
    return Behaviors.receive(Command.class)
        .onMessage(WaitAnswered.class, answered -> {
          GatewayReply reply = answered.reply();
          Optional<AgentWaitResult> waited = waitResult(reply);
          if (waited.isPresent() && waited.get().succeeded()) {
            String text = Optional.ofNullable(waited.get().replyText()).orElse("");
            return reply(new MessageOutcome(route, true, text, Optional.empty(),
                Optional.of("re-attached to run " + runId + " after the gateway link returned")));
          }
          return startOnLocalCodex(Optional.of("the gateway no longer had run " + runId
              + " after the link returned (" + describe(reply) + "); re-ran on local Codex"));
        })
        .onMessage(LinkStatus.class, ignored -> Behaviors.same())
        .onMessage(FromRun.class, ignored -> Behaviors.same())
        .onMessage(ReattachWindowOver.class, ignored -> Behaviors.same())
        .build();
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

  private static String describe(GatewayReply reply) {
    if (reply instanceof GatewayReply.Ok ok) {
      return "status " + ok.payload().path("status").asText("?") + " "
          + ok.payload().path("error").asText("");
    }
    if (reply instanceof GatewayReply.Rejected rejected) {
      return rejected.error().toString();
    }
    return ((GatewayReply.Unavailable) reply).reason();
  }

  // --- on local Codex -------------------------------------------------------------------------

  private Behavior<Command> startOnLocalCodex(Optional<String> note) {
    note.ifPresent(n -> context.getLog().info("message: {}", n));
    ThreadSettings threadSettings = settings.localThread();
    codex.tell(new CodexPool.OpenThread(threadSettings, Optional.empty(),
        List.of(context.messageAdapter(ThreadEvent.class, ThreadNews::new)),
        context.messageAdapter(CodexPool.ThreadOpened.class, ThreadOpened::new)));
    return onLocalCodex(note, null, false);
  }

  /** The pool's reply and the thread's Ready come from different actors, in either order. */
  private Behavior<Command> onLocalCodex(Optional<String> note,
      ActorRef<CodexThread.Command> thread, boolean ready) {
    if (thread != null && ready) {
      thread.tell(new CodexThread.RunTurn(prompt,
          context.messageAdapter(TurnResult.class, TurnDone::new)));
      return runningLocally(note, thread);
    }
    return Behaviors.receive(Command.class)
        .onMessage(ThreadOpened.class, opened ->
            onLocalCodex(note, opened.opened().thread(), ready))
        .onMessage(ThreadNews.class, news -> {
          if (news.event() instanceof ThreadEvent.Ready) {
            return onLocalCodex(note, thread, true);
          }
          if (news.event() instanceof ThreadEvent.Closed closed) {
            return reply(new MessageOutcome(MessageOutcome.Route.LOCAL_CODEX, false, "",
                Optional.of(closed.reason()), note));
          }
          return Behaviors.same();
        })
        .onMessage(FromRun.class, ignored -> Behaviors.same())
        .onMessage(LinkStatus.class, ignored -> Behaviors.same())
        .onMessage(WaitAnswered.class, ignored -> Behaviors.same())
        .onMessage(ReattachWindowOver.class, ignored -> Behaviors.same())
        .build();
  }

  private Behavior<Command> runningLocally(Optional<String> note,
      ActorRef<CodexThread.Command> thread) {
    return Behaviors.receive(Command.class)
        .onMessage(TurnDone.class, done -> {
          TurnResult result = done.result();
          thread.tell(new CodexThread.Close("closed by the message delivery: done"));
          return reply(new MessageOutcome(MessageOutcome.Route.LOCAL_CODEX, result.completed(),
              result.finalText(), result.error(), note));
        })
        .onMessage(ThreadNews.class, ignored -> Behaviors.same())
        .onMessage(FromRun.class, ignored -> Behaviors.same())
        .onMessage(LinkStatus.class, ignored -> Behaviors.same())
        .onMessage(WaitAnswered.class, ignored -> Behaviors.same())
        .onMessage(ReattachWindowOver.class, ignored -> Behaviors.same())
        .build();
  }

  private Behavior<Command> reply(MessageOutcome outcome) {
    replyTo.tell(outcome);
    return Behaviors.stopped();
  }
}
