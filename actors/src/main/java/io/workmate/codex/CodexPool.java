package io.workmate.codex;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Spreads Codex threads over a fixed number of app-server processes: each new thread goes to
 * the process with the fewest live threads. Owns both the process actors and the thread actors,
 * so stopping the pool stops every thread and then every process.
 */
public final class CodexPool {

  public sealed interface Command {}

  /**
   * Opens a thread (new, or resumed by codex thread id). The reply comes at once; the thread
   * then starts asynchronously and reports {@link ThreadEvent.Ready} to {@code subscribers}.
   */
  public record OpenThread(ThreadSettings settings, Optional<String> resumeThreadId,
      List<ActorRef<ThreadEvent>> subscribers, ActorRef<ThreadOpened> replyTo)
      implements Command {}

  public record ThreadOpened(ActorRef<CodexThread.Command> thread, String processName) {}

  public record GetStatus(ActorRef<PoolStatus> replyTo) implements Command {}

  public record PoolStatus(int processes, int liveThreads, Map<String, Integer> threadsPerProcess) {}

  /** The app-server actors, for health checks. */
  public record ListProcesses(ActorRef<List<ActorRef<CodexAppServer.Command>>> replyTo)
      implements Command {}

  private record ThreadEnded(ActorRef<CodexThread.Command> thread) implements Command {}

  public static Behavior<Command> create(int processes, AppServerSettings settings) {
    if (processes < 1) {
      throw new IllegalArgumentException("a pool needs at least one process, got " + processes);
    }
    return Behaviors.setup(context -> new CodexPool(context, processes, settings).running());
  }

  private final ActorContext<Command> context;
  private final List<ActorRef<CodexAppServer.Command>> servers = new ArrayList<>();
  private final List<Integer> load = new ArrayList<>();
  private final Map<ActorRef<CodexThread.Command>, Integer> threadToServer = new HashMap<>();
  private long threadCounter;

  private CodexPool(ActorContext<Command> context, int processes, AppServerSettings settings) {
    this.context = context;
    for (int i = 0; i < processes; i++) {
      String name = "app-server-" + i;
      // the actor restarts its process itself; supervision only guards against our own bugs
      Behavior<CodexAppServer.Command> behavior = Behaviors.supervise(
          CodexAppServer.create(name, settings)).onFailure(SupervisorStrategy.restartWithBackoff(
              java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30), 0.2));
      servers.add(context.spawn(behavior, name));
      load.add(0);
    }
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(OpenThread.class, this::onOpenThread)
        .onMessage(ThreadEnded.class, this::onThreadEnded)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(ListProcesses.class, list -> {
          list.replyTo().tell(List.copyOf(servers));
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onOpenThread(OpenThread open) {
    int index = leastLoaded();
    ActorRef<CodexThread.Command> thread = context.spawn(
        CodexThread.create(servers.get(index), open.settings(), open.resumeThreadId(),
            open.subscribers()),
        "thread-" + (++threadCounter));
    context.watchWith(thread, new ThreadEnded(thread));
    threadToServer.put(thread, index);
    load.set(index, load.get(index) + 1);
    open.replyTo().tell(new ThreadOpened(thread, servers.get(index).path().name()));
    return Behaviors.same();
  }

  private int leastLoaded() {
    int best = 0;
    for (int i = 1; i < load.size(); i++) {
      if (load.get(i) < load.get(best)) {
        best = i;
      }
    }
    return best;
  }

  private Behavior<Command> onThreadEnded(ThreadEnded ended) {
    Integer index = threadToServer.remove(ended.thread());
    if (index != null) {
      load.set(index, load.get(index) - 1);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onGetStatus(GetStatus request) {
    Map<String, Integer> perProcess = new HashMap<>();
    for (int i = 0; i < servers.size(); i++) {
      perProcess.put(servers.get(i).path().name(), load.get(i));
    }
    request.replyTo().tell(new PoolStatus(servers.size(), threadToServer.size(), perProcess));
    return Behaviors.same();
  }
}
