package io.workmate.bench.codex;

import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexPool;
import io.workmate.codex.CodexThread;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.TurnResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The Workmate driver's actors: the guardian owns a {@link CodexPool}; each {@link Run} becomes a
 * {@link Batch} that opens one Codex thread per conversation and a {@link Runner} per thread,
 * which sends that thread's turns one after another, the way a caller of Workmate waits for an
 * answer before asking again.
 */
final class WorkmateWorkload {

  /** Runs a workload on new threads; {@code done} completes when its last turn has ended. */
  record Run(Workload workload, CompletableFuture<Totals> done) {}

  /** How the turns of one run ended. */
  record Totals(int completed, List<String> failures) {}

  private WorkmateWorkload() {}

  static Behavior<Run> create(AppServerSettings appServer, int processes,
      ThreadSettings threadSettings) {
    return Behaviors.setup(context -> {
      ActorRef<CodexPool.Command> pool =
          context.spawn(CodexPool.create(processes, appServer), "codex-pool");
      int[] runs = {0};
      return Behaviors.receive(Run.class)
          .onMessage(Run.class, run -> {
            context.spawn(Batch.create(pool, threadSettings, run), "run-" + ++runs[0]);
            return Behaviors.same();
          })
          .build();
    });
  }

  /** One run: opens its threads, starts a runner per thread, adds up what they report. */
  private static final class Batch {

    sealed interface Command {}

    private record Opened(CodexPool.ThreadOpened opened) implements Command {}

    private record RunnerFinished(int completed, List<String> failures) implements Command {}

    private final Run run;
    private final ActorContext<Command> context;
    private final List<String> failures = new ArrayList<>();
    private int openedThreads;
    private int finishedRunners;
    private int completed;

    private Batch(Run run, ActorContext<Command> context) {
      this.run = run;
      this.context = context;
    }

    static Behavior<Command> create(ActorRef<CodexPool.Command> pool,
        ThreadSettings threadSettings, Run run) {
      return Behaviors.setup(context -> {
        ActorRef<CodexPool.ThreadOpened> opened =
            context.messageAdapter(CodexPool.ThreadOpened.class, Opened::new);
        for (int i = 0; i < run.workload().threads(); i++) {
          // threads start asynchronously; turns sent before codex knows a thread wait in its queue
          pool.tell(new CodexPool.OpenThread(threadSettings, Optional.empty(), List.of(), opened));
        }
        Batch batch = new Batch(run, context);
        return Behaviors.receive(Command.class)
            .onMessage(Opened.class, batch::onOpened)
            .onMessage(RunnerFinished.class, batch::onRunnerFinished)
            .build();
      });
    }

    private Behavior<Command> onOpened(Opened message) {
      int index = openedThreads++;
      context.spawn(Runner.create(message.opened().thread(), index, run.workload(),
          context.getSelf()), "runner-" + index);
      return Behaviors.same();
    }

    private Behavior<Command> onRunnerFinished(RunnerFinished finished) {
      completed += finished.completed();
      failures.addAll(finished.failures());
      if (++finishedRunners < run.workload().threads()) {
        return Behaviors.same();
      }
      run.done().complete(new Totals(completed, List.copyOf(failures)));
      return Behaviors.stopped();
    }
  }

  /** Runs one thread's turns in order and reports how they ended. State is touched only here. */
  private static final class Runner {
    private final ActorRef<CodexThread.Command> thread;
    private final ActorRef<TurnResult> self;
    private final int index;
    private final Workload workload;
    private final ActorRef<Batch.Command> report;
    private final List<String> failures = new ArrayList<>();
    private int turn;
    private int completed;

    private Runner(ActorRef<CodexThread.Command> thread, ActorRef<TurnResult> self, int index,
        Workload workload, ActorRef<Batch.Command> report) {
      this.thread = thread;
      this.self = self;
      this.index = index;
      this.workload = workload;
      this.report = report;
    }

    static Behavior<TurnResult> create(ActorRef<CodexThread.Command> thread, int index,
        Workload workload, ActorRef<Batch.Command> report) {
      return Behaviors.setup(context -> {
        Runner runner = new Runner(thread, context.getSelf(), index, workload, report);
        runner.sendTurn();
        return Behaviors.receive(TurnResult.class).onAnyMessage(runner::onResult).build();
      });
    }

    private void sendTurn() {
      thread.tell(new CodexThread.RunTurn(workload.prompt(index, turn), self));
    }

    private Behavior<TurnResult> onResult(TurnResult result) {
      String expected = workload.expectedReply(index, turn);
      if (result.completed() && (expected == null || expected.equals(result.finalText()))) {
        completed++;
      } else {
        failures.add("thread " + index + " turn " + turn + ": " + result.outcome() + " "
            + result.error().orElse("reply '" + result.finalText() + "'"));
      }
      turn++;
      if (turn == workload.turnsPerThread()) {
        report.tell(new Batch.RunnerFinished(completed, List.copyOf(failures)));
        return Behaviors.stopped();
      }
      sendTurn();
      return Behaviors.same();
    }
  }
}
