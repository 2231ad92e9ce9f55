package io.workmate.codex;

import io.workmate.support.BlockingThreads;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 *
 * <p>The app-server actors run on the blocking dispatcher ({@link BlockingThreads}): they start,
 * write to and stop processes. A limited agent's HOME is written there too, before its app-server
 * starts; the agent's threads wait for it.
 */
public final class CodexPool {

  public sealed interface Command {}

  /**
   * Opens a thread (new, or resumed by codex thread id). The reply comes at once (for a limited
   * agent's first thread: once its HOME is written); the thread then starts asynchronously and reports {@link ThreadEvent.Ready} to {@code subscribers}.
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

  /** A limited agent's HOME was written (or could not be: {@code failure}). */
  private record LimitedHomeWritten(String agent, CommandLimits limits,
      AppServerSettings settings, Throwable failure) implements Command {}

  public static Behavior<Command> create(int processes, AppServerSettings settings) {
    return create(processes, settings, Clock.systemUTC());
  }

  /** {@code clock}: what the app-servers and threads read time from. */
  public static Behavior<Command> create(int processes, AppServerSettings settings, Clock clock) {
    if (processes < 1) {
      throw new IllegalArgumentException("a pool needs at least one process, got " + processes);
    }
    return Behaviors.setup(context -> new CodexPool(context, processes, settings, clock)
        .running());
  }

  private final ActorContext<Command> context;
  private final AppServerSettings settings;
  private final Clock clock;
  /** Index order: the shared processes first, then each limited agent's in start order. */
  private final List<ActorRef<CodexAppServer.Command>> servers = new ArrayList<>();
  private final List<Integer> load = new ArrayList<>();
  private final int shared;
  /** Limited agent → the index of its app-server. */
  private final Map<String, Integer> limitedServers = new HashMap<>();
  private final Map<ActorRef<CodexThread.Command>, Integer> threadToServer = new HashMap<>();
  /** Limited agent → the opens waiting for its HOME to be written. */
  private final Map<String, List<OpenThread>> awaitingHome = new HashMap<>();
  private long threadCounter;

  private CodexPool(ActorContext<Command> context, int processes, AppServerSettings settings,
      Clock clock) {
    this.context = context;
    this.settings = settings;
    this.clock = clock;
    this.shared = processes;
    for (int i = 0; i < processes; i++) {
      spawnServer("app-server-" + i, settings);
    }
  }

  private int spawnServer(String name, AppServerSettings serverSettings) {
    // the actor restarts its process itself; supervision only guards against our own bugs
    Behavior<CodexAppServer.Command> behavior = Behaviors.supervise(
        CodexAppServer.create(name, serverSettings, clock)).onFailure(
            SupervisorStrategy.restartWithBackoff(java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(30), 0.2));
    servers.add(context.spawn(behavior, name, BlockingThreads.dispatcher(context.getSystem())));
    load.add(0);
    return servers.size() - 1;
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(OpenThread.class, this::onOpenThread)
        .onMessage(ThreadEnded.class, this::onThreadEnded)
        .onMessage(LimitedHomeWritten.class, this::onLimitedHomeWritten)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(ListProcesses.class, list -> {
          list.replyTo().tell(List.copyOf(servers));
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onOpenThread(OpenThread open) {
    Optional<String> agent = open.settings().agent();
    Optional<CommandLimits> limits = agent.map(id -> settings.agentLimits().get(id));
    if (limits.isEmpty()) {
      return openOn(leastLoaded(), open, limits);
    }
    Integer index = limitedServers.get(agent.get());
    if (index != null) {
      return openOn(index, open, limits);
    }
    List<OpenThread> waiting = awaitingHome.get(agent.get());
    if (waiting == null) {
      waiting = new ArrayList<>();
      awaitingHome.put(agent.get(), waiting);
      writeLimitedHome(agent.get(), limits.get());
    }
    waiting.add(open);
    return Behaviors.same();
  }

  private Behavior<Command> openOn(int index, OpenThread open, Optional<CommandLimits> limits) {
    ActorRef<CodexThread.Command> thread = context.spawn(
        CodexThread.create(servers.get(index), open.settings(), open.resumeThreadId(),
            open.subscribers(), clock),
        "thread-" + (++threadCounter));
    context.watchWith(thread, new ThreadEnded(thread));
    threadToServer.put(thread, index);
    load.set(index, load.get(index) + 1);
    open.replyTo().tell(new ThreadOpened(thread, servers.get(index).path().name(), limits));
    return Behaviors.same();
  }

  /** File IO: on the blocking dispatcher. */
  private void writeLimitedHome(String agent, CommandLimits limits) {
    context.pipeToSelf(CompletableFuture.supplyAsync(
            () -> settings.forLimitedAgent(agent, limits),
            BlockingThreads.executor(context.getSystem())),
        (limited, failure) -> new LimitedHomeWritten(agent, limits, limited, failure));
  }

  private Behavior<Command> onLimitedHomeWritten(LimitedHomeWritten written) {
    List<OpenThread> waiting = awaitingHome.remove(written.agent());
    if (written.failure() != null) {
      // the limited HOME could not be written: no thread rather than one without its limits
      Throwable cause = written.failure() instanceof CompletionException wrapped
          && wrapped.getCause() != null ? wrapped.getCause() : written.failure();
      context.getLog().error("cannot start the limited app-server of agent {}: {}",
          written.agent(), cause.getMessage());
      return Behaviors.same(); // the callers' asks time out with the log line to explain it
    }
    String name =
        "app-server-" + written.agent().replaceAll("[^A-Za-z0-9_-]", "_") + "-" + servers.size();
    context.getLog().info("agent {} runs its commands under limits ({}) on {}", written.agent(),
        written.limits().describe(), name);
    int index = spawnServer(name, written.settings());
    limitedServers.put(written.agent(), index);
    waiting.forEach(open -> openOn(index, open, Optional.of(written.limits())));
    return Behaviors.same();
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
