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
 * so stopping the pool stops every thread and then every process. A thread of an agent with
 * command limits ({@link AppServerSettings#agentLimits}) runs on an app-server of that agent's
 * own ({@code app-server-<agent>-0}, started on the agent's first thread), whose HOME applies the
 * limits to every command.
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

  /** {@code limits}: what the thread's commands run under, when its agent has limits. */
  public record ThreadOpened(ActorRef<CodexThread.Command> thread, String processName,
      Optional<CommandLimits> limits) {

    public ThreadOpened(ActorRef<CodexThread.Command> thread, String processName) {
      this(thread, processName, Optional.empty());
    }
  }

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
  private final AppServerSettings settings;
  /** Index order: the shared processes first, then each limited agent's in start order. */
  private final List<ActorRef<CodexAppServer.Command>> servers = new ArrayList<>();
  private final List<Integer> load = new ArrayList<>();
  private final int shared;
  /** Limited agent → the index of its app-server. */
  private final Map<String, Integer> limitedServers = new HashMap<>();
  private final Map<ActorRef<CodexThread.Command>, Integer> threadToServer = new HashMap<>();
  private long threadCounter;

  private CodexPool(ActorContext<Command> context, int processes, AppServerSettings settings) {
    this.context = context;
    this.settings = settings;
    this.shared = processes;
    for (int i = 0; i < processes; i++) {
      spawnServer("app-server-" + i, settings);
    }
  }

  private int spawnServer(String name, AppServerSettings serverSettings) {
    // the actor restarts its process itself; supervision only guards against our own bugs
    Behavior<CodexAppServer.Command> behavior = Behaviors.supervise(
        CodexAppServer.create(name, serverSettings)).onFailure(
            SupervisorStrategy.restartWithBackoff(java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(30), 0.2));
    servers.add(context.spawn(behavior, name));
    load.add(0);
    return servers.size() - 1;
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
    Optional<CommandLimits> limits = open.settings().agent()
        .map(agent -> settings.agentLimits().get(agent));
    int index;
    try {
      index = limits.isPresent() ? limitedServer(open.settings().agent().get(), limits.get())
          : leastLoaded();
    } catch (RuntimeException e) {
      // the limited HOME could not be written: no thread rather than one without its limits
      context.getLog().error("cannot start the limited app-server of agent {}: {}",
          open.settings().agent().get(), e.getMessage());
      return Behaviors.same(); // the caller's ask times out with the log line to explain it
    }
    ActorRef<CodexThread.Command> thread = context.spawn(
        CodexThread.create(servers.get(index), open.settings(), open.resumeThreadId(),
            open.subscribers()),
        "thread-" + (++threadCounter));
    context.watchWith(thread, new ThreadEnded(thread));
    threadToServer.put(thread, index);
    load.set(index, load.get(index) + 1);
    open.replyTo().tell(new ThreadOpened(thread, servers.get(index).path().name(), limits));
    return Behaviors.same();
  }

  private int limitedServer(String agent, CommandLimits limits) {
    Integer index = limitedServers.get(agent);
    if (index == null) {
      String name =
          "app-server-" + agent.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + servers.size();
      context.getLog().info("agent {} runs its commands under limits ({}) on {}", agent,
          limits.describe(), name);
      index = spawnServer(name, settings.forLimitedAgent(agent, limits));
      limitedServers.put(agent, index);
    }
    return index;
  }

  /** Among the shared processes. */
  private int leastLoaded() {
    int best = 0;
    for (int i = 1; i < shared; i++) {
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
