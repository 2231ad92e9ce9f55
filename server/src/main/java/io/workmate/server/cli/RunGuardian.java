package io.workmate.server.cli;

import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexPool;
import io.workmate.codex.CodexThread;
import io.workmate.codex.ThreadEvent;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.TurnResult;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of {@code workmate run}: starts the codex pool, opens one thread, runs one turn,
 * renders its events on the terminal, answers approvals through the prompter and completes
 * {@code done} with the turn's result.
 */
final class RunGuardian {

  sealed interface Command {}

  private record Opened(CodexPool.ThreadOpened opened) implements Command {}

  private record Event(ThreadEvent event) implements Command {}

  private record Finished(TurnResult result) implements Command {}

  static Behavior<Command> create(AppServerSettings serverSettings, int processes,
      ThreadSettings threadSettings, String prompt, TerminalOutput output,
      ApprovalPrompter prompter, CompletableFuture<TurnResult> done) {
    return Behaviors.setup(context -> {
      ActorRef<CodexPool.Command> pool =
          context.spawn(CodexPool.create(processes, serverSettings), "codex");
      ActorRef<ThreadEvent> events = context.messageAdapter(ThreadEvent.class, Event::new);
      pool.tell(new CodexPool.OpenThread(threadSettings, Optional.empty(), List.of(events),
          context.messageAdapter(CodexPool.ThreadOpened.class, Opened::new)));
      return new RunGuardian(context, prompt, output, prompter, done).waitingForThread();
    });
  }

  private final ActorContext<Command> context;
  private final String prompt;
  private final TerminalOutput output;
  private final ApprovalPrompter prompter;
  private final CompletableFuture<TurnResult> done;
  private ActorRef<CodexThread.Command> thread;
  private boolean ready;
  private boolean turnSent;

  private RunGuardian(ActorContext<Command> context, String prompt, TerminalOutput output,
      ApprovalPrompter prompter, CompletableFuture<TurnResult> done) {
    this.context = context;
    this.prompt = prompt;
    this.output = output;
    this.prompter = prompter;
    this.done = done;
  }

  private Behavior<Command> waitingForThread() {
    return Behaviors.receive(Command.class)
        .onMessage(Opened.class, opened -> {
          thread = opened.opened().thread();
          startTurnWhenReady();
          return Behaviors.same();
        })
        .onMessage(Event.class, this::onEvent)
        .onMessage(Finished.class, this::onFinished)
        .build();
  }

  private Behavior<Command> onEvent(Event message) {
    ThreadEvent event = message.event();
    if (event instanceof ThreadEvent.Ready) {
      ready = true;
      startTurnWhenReady();
    } else if (event instanceof ThreadEvent.ApprovalRequested requested) {
      ActorRef<CodexThread.Command> target = thread;
      ActorRef<CodexThread.Ack> ignore = context.getSystem().ignoreRef();
      prompter.ask(requested.approval(), decision -> target.tell(
          new CodexThread.Decide(requested.approval().id(), decision, ignore)));
    } else if (event instanceof ThreadEvent.Closed closed && !done.isDone()) {
      done.completeExceptionally(new IllegalStateException(closed.reason()));
    } else {
      output.onEvent(event);
    }
    return Behaviors.same();
  }

  /** The thread's Ready and the pool's reply come from different actors, in either order. */
  private void startTurnWhenReady() {
    if (ready && thread != null && !turnSent) {
      turnSent = true;
      thread.tell(new CodexThread.RunTurn(prompt,
          context.messageAdapter(TurnResult.class, Finished::new)));
    }
  }

  private Behavior<Command> onFinished(Finished finished) {
    output.finish();
    done.complete(finished.result());
    return Behaviors.same();
  }
}
