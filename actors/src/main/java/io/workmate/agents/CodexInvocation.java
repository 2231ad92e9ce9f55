package io.workmate.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.codex.CodexPool;
import io.workmate.codex.CommandLimits;
import io.workmate.codex.InvocationProcesses;
import io.workmate.codex.LimitBreach;
import io.workmate.codex.CodexThread;
import io.workmate.codex.ThreadEvent;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.TurnResult;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One turn on a fresh local Codex thread, for a {@link CodexAgent}'s job or a message: opens a
 * thread, runs the prompt as one turn, streams the thread's items, approvals and deltas to the
 * invoker as {@link Agent.Update}s, answers with {@link Agent.Update.Finished} and closes the
 * thread. Approvals are handled as the thread settings say (a {@link CodexAgent} holds them for
 * the job's reviewer until the invocation's timeout).
 *
 * <p>Every command of the invocation carries its own marker
 * ({@link InvocationProcesses#MARKER_VARIABLE}); whatever the outcome, every process carrying
 * it is killed ({@link #sweeping}, on the blocking dispatcher) before {@code Finished} is sent,
 * since codex keeps backgrounded commands running after the turn. When the agent has command
 * limits, a command a limit killed fails the invocation even if codex completed the turn.
 */
public final class CodexInvocation {

  public sealed interface Command {}

  public record Interrupt() implements Command {}

  record Decide(String approvalId, ApprovalDecision decision, ActorRef<Agent.Decided> replyTo)
      implements Command {}

  private record Opened(CodexPool.ThreadOpened opened, Throwable failure) implements Command {}

  private record FromThread(ThreadEvent event) implements Command {}

  private record TurnEnded(TurnResult result, Throwable failure) implements Command {}

  private record DecideAnswered(CodexThread.Ack ack, ActorRef<Agent.Decided> replyTo)
      implements Command {}

  private record InterruptAnswered(CodexThread.Ack ack) implements Command {}

  private record Swept(Agent.Update.Finished finished, int killed, Throwable failure)
      implements Command {}

  private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);
  /** Beyond the invocation's timeout: the thread always answers a turn, this is a backstop. */
  private static final Duration TURN_GRACE = Duration.ofSeconds(60);

  private final ActorContext<Command> context;
  private final Agent.Invocation invocation;
  private final ActorRef<Agent.Update> invoker;
  private final String marker;
  private ActorRef<CodexThread.Command> thread;
  private Optional<CommandLimits> limits = Optional.empty();
  private Optional<String> limitBreach = Optional.empty();
  private boolean interrupted;
  private boolean startedSent;
  private boolean swept;

  public static Behavior<Command> create(ActorRef<CodexPool.Command> pool, ThreadSettings base,
      Agent.Invocation invocation, ActorRef<Agent.Update> invoker) {
    return Behaviors.setup(context ->
        new CodexInvocation(context, invocation, invoker).opening(pool, base));
  }

  private CodexInvocation(ActorContext<Command> context, Agent.Invocation invocation,
      ActorRef<Agent.Update> invoker) {
    this.context = context;
    this.invocation = invocation;
    this.invoker = invoker;
    this.marker = InvocationProcesses.newMarker(invocation.id());
  }

  private Behavior<Command> opening(ActorRef<CodexPool.Command> pool, ThreadSettings base) {
    ThreadSettings settings;
    CodexThread.TurnOptions options;
    try {
      settings = threadSettings(base);
      // a resumed thread that codex still has loaded keeps its old cwd: the turn names the new
      options = new CodexThread.TurnOptions(invocation.resumeThreadId() == null
              ? Optional.empty() : Optional.ofNullable(invocation.cwd()).map(Path::of),
          Optional.ofNullable(invocation.approvalPolicy()).map(ApprovalPolicy::parse),
          Optional.empty());
    } catch (RuntimeException e) {
      return finish(Agent.Outcome.FAILED, null, "bad invocation settings: " + e.getMessage());
    }
    ActorRef<ThreadEvent> events = context.messageAdapter(ThreadEvent.class, FromThread::new);
    context.ask(CodexPool.ThreadOpened.class, pool, OPEN_TIMEOUT,
        replyTo -> new CodexPool.OpenThread(settings,
            Optional.ofNullable(invocation.resumeThreadId()), List.of(events), replyTo),
        Opened::new);
    return Behaviors.receive(Command.class)
        .onMessage(Opened.class, opened -> onOpened(opened, options))
        .onMessage(Interrupt.class, interrupt -> {
          interrupted = true; // acted on once the thread is there
          return Behaviors.same();
        })
        .onMessage(Decide.class, this::refuseDecide)
        .onMessage(FromThread.class, this::forward)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private ThreadSettings threadSettings(ThreadSettings base) {
    ThreadSettings settings =
        base.withCommandVariable(InvocationProcesses.MARKER_VARIABLE, marker);
    return invocation.cwd() == null ? settings : settings.withCwd(Path.of(invocation.cwd()));
  }

  private Behavior<Command> onOpened(Opened opened, CodexThread.TurnOptions options) {
    if (opened.opened() == null) {
      return finish(Agent.Outcome.FAILED, null,
          "could not open a codex thread: " + opened.failure());
    }
    thread = opened.opened().thread();
    limits = opened.opened().limits();
    if (interrupted) {
      closeThread();
      return finish(Agent.Outcome.INTERRUPTED, null, "interrupted before the turn started");
    }
    context.ask(TurnResult.class, thread, invocation.timeout().plus(TURN_GRACE),
        replyTo -> new CodexThread.RunTurn(invocation.prompt(), options, replyTo),
        TurnEnded::new);
    return running();
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(FromThread.class, this::forward)
        .onMessage(TurnEnded.class, this::onTurnEnded)
        .onMessage(Interrupt.class, interrupt -> {
          if (!interrupted) {
            interrupted = true;
            context.ask(CodexThread.Ack.class, thread, CONTROL_TIMEOUT,
                CodexThread.Interrupt::new,
                (ack, failure) -> new InterruptAnswered(ack != null ? ack
                    : CodexThread.Ack.refused(String.valueOf(failure))));
          }
          return Behaviors.same();
        })
        .onMessage(InterruptAnswered.class, answered -> {
          if (!answered.ack().ok()) {
            // no turn to interrupt yet (the thread is still starting): closing the thread fails
            // the queued turn, which ends the invocation the same way
            closeThread();
          }
          return Behaviors.same();
        })
        .onMessage(Decide.class, decide -> {
          context.ask(CodexThread.Ack.class, thread, CONTROL_TIMEOUT,
              replyTo -> new CodexThread.Decide(decide.approvalId(), decide.decision(), replyTo),
              (ack, failure) -> new DecideAnswered(ack != null ? ack
                  : CodexThread.Ack.refused(String.valueOf(failure)), decide.replyTo()));
          return Behaviors.same();
        })
        .onMessage(DecideAnswered.class, answered -> {
          answered.replyTo().tell(new Agent.Decided(answered.ack().ok(), answered.ack().message()));
          return Behaviors.same();
        })
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onTurnEnded(TurnEnded ended) {
    closeThread();
    TurnResult result = ended.result();
    if (limitBreach.isPresent()) {
      return finish(Agent.Outcome.FAILED, null, limitBreach.get());
    }
    if (result != null && result.completed() && !interrupted) {
      return finish(Agent.Outcome.SUCCEEDED, result.finalText(), null);
    }
    if (result == null) {
      return finish(interrupted ? Agent.Outcome.INTERRUPTED : Agent.Outcome.FAILED, null,
          interrupted ? "interrupted" : "no turn result: " + ended.failure());
    }
    // what the turn said and its own error stay readable for callers that show them as is
    Agent.RunEnd end = Agent.RunEnd.ran(result.error().orElse(null));
    if (interrupted) {
      return finish(Agent.Outcome.INTERRUPTED, result.finalText(), "interrupted", end);
    }
    return finish(Agent.Outcome.FAILED, result.finalText(), "turn "
        + result.outcome().name().toLowerCase()
        + result.error().map(error -> ": " + error).orElse(""), end);
  }

  private Behavior<Command> forward(FromThread fromThread) {
    String id = invocation.id();
    ThreadEvent event = fromThread.event();
    if (event instanceof ThreadEvent.Ready ready) {
      if (!startedSent) {
        startedSent = true;
        invoker.tell(new Agent.Update.Started(id, ready.threadId()));
      }
    } else if (event instanceof ThreadEvent.ItemStarted item) {
      invoker.tell(new Agent.Update.Item(id, "item_started", item.item()));
    } else if (event instanceof ThreadEvent.ItemCompleted item) {
      if (limitBreach.isEmpty() && limits.isPresent()) {
        limitBreach = LimitBreach.detect(item.item(), limits.get());
      }
      invoker.tell(new Agent.Update.Item(id, "item_completed", item.item()));
    } else if (event instanceof ThreadEvent.AgentMessageDelta delta) {
      invoker.tell(new Agent.Update.Item(id, "agent_message_delta",
          delta(delta.itemId(), delta.delta())));
    } else if (event instanceof ThreadEvent.CommandOutputDelta delta) {
      invoker.tell(new Agent.Update.Item(id, "command_output_delta",
          delta(delta.itemId(), delta.delta())));
    } else if (event instanceof ThreadEvent.Notice notice
        && TURN_DIFF_UPDATED.equals(notice.method())) {
      // codex's own diff of the turn so far: what a job's watchers see change while it runs
      invoker.tell(new Agent.Update.Item(id, "turn_diff_updated", notice.params()));
    } else if (event instanceof ThreadEvent.ApprovalRequested requested) {
      invoker.tell(new Agent.Update.ApprovalRequested(id, requested.approval()));
    } else if (event instanceof ThreadEvent.ApprovalResolved resolved) {
      invoker.tell(new Agent.Update.ApprovalResolved(id, resolved.approvalId(),
          resolved.decision()));
    }
    return Behaviors.same();
  }

  private static final String TURN_DIFF_UPDATED = "turn/diff/updated";

  private static JsonNode delta(String itemId, String text) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("itemId", itemId);
    node.put("delta", text);
    return node;
  }

  private Behavior<Command> refuseDecide(Decide decide) {
    decide.replyTo().tell(new Agent.Decided(false, "the turn has not started"));
    return Behaviors.same();
  }

  private void closeThread() {
    if (thread != null) {
      thread.tell(new CodexThread.Close("closed by its invocation " + invocation.id()));
    }
  }

  /** Kills what the commands left running, then answers; the sweep runs off this thread. */
  private Behavior<Command> finish(Agent.Outcome outcome, String text, String error) {
    return finish(outcome, text, error, Agent.RunEnd.ran(error));
  }

  private Behavior<Command> finish(Agent.Outcome outcome, String text, String error,
      Agent.RunEnd end) {
    Agent.Update.Finished finished =
        new Agent.Update.Finished(invocation.id(), outcome, text, error, end);
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> InvocationProcesses.killAll(marker),
            blockingExecutor()),
        (killed, failure) -> new Swept(finished, killed == null ? 0 : killed, failure));
    return sweeping();
  }

  private Behavior<Command> sweeping() {
    return Behaviors.receive(Command.class)
        .onMessage(Swept.class, this::onSwept)
        .onMessage(Decide.class, decide -> {
          decide.replyTo().tell(new Agent.Decided(false, "the invocation is ending"));
          return Behaviors.same();
        })
        .onAnyMessage(message -> Behaviors.same())
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onSwept(Swept done) {
    swept = true;
    if (done.failure() != null) {
      context.getLog().warn("invocation {}: could not kill its leftover processes: {}",
          invocation.id(), done.failure().toString());
    } else if (done.killed() > 0) {
      context.getLog().info("invocation {}: killed {} process(es) its commands left running",
          invocation.id(), done.killed());
    }
    invoker.tell(done.finished());
    return Behaviors.stopped();
  }

  /** Stopped from outside (its agent stopped): the sweep still runs, answered by no one. */
  private Behavior<Command> onPostStop() {
    if (!swept) {
      CompletableFuture.runAsync(() -> InvocationProcesses.killAll(marker), blockingExecutor());
    }
    return Behaviors.same();
  }

  private Executor blockingExecutor() {
    return context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
  }
}
