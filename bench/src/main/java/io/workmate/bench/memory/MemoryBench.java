package io.workmate.bench.memory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayReply;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.gateway.testkit.OpenClawInstall;
import io.workmate.memory.AgentMemory;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemorySection;
import io.workmate.memory.MemorySyncSettings;
import io.workmate.memory.MemorySyncs;
import io.workmate.memory.SyncStatus;
import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalSettings;
import io.workmate.persistence.JournalStartup;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Memory: append throughput on the embedded H2 file journal (one agent with one append in flight,
 * and 100 agents with one each, each on its own journal), then the offline backlogs synced to a
 * real OpenClaw gateway's {@code MEMORY.md} (entries/s, batched compare-and-set writes): the one
 * agent's alone, then the 100 agents' together into the same file (they take turns), each checked
 * entry by entry afterwards. Table to stdout, progress to stderr.
 *
 * <p>Options: {@code --seconds S} per append phase (default 10), {@code --agents N} (100).
 * Exit codes: 0 ran, 1 a phase failed, 2 bad options or no gateway.
 */
public final class MemoryBench {

  private static final PrintStream progress = System.err;
  private static final Duration ASK = Duration.ofSeconds(30);
  private static final String AGENT = "bench-agent";

  public static void main(String[] args) throws Exception {
    int seconds = 10;
    int agents = 100;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--agents" -> agents = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("memory-bench: unknown option " + args[i]
              + "\nusage: scripts/bench memory [--seconds S] [--agents N]");
          System.exit(2);
        }
      }
    }
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback.xml");
    }
    if (System.getProperty(OpenClawInstall.HOME_PROPERTY) == null) {
      System.setProperty(OpenClawInstall.HOME_PROPERTY, Path.of("").toAbsolutePath().toString());
    }
    Path dir = Files.createTempDirectory("memory-bench");
    int exit = 0;
    MemoryBench one = null;
    MemoryBench many = null;
    try {
      one = new MemoryBench("memory-bench-one", dir.resolve("one"));
      many = new MemoryBench("memory-bench-many", dir.resolve("many"));
      exit = run(one, many, seconds, agents);
    } catch (Exception | AssertionError failed) {
      System.err.println("memory-bench: failed: " + failed);
      failed.printStackTrace();
      exit = 1;
    } finally {
      if (one != null) {
        one.system.terminate();
      }
      if (many != null) {
        many.system.terminate();
      }
    }
    System.exit(exit);
  }

  private final ActorSystem<Void> system;
  private final Path dir;
  private final Executor executor;
  private final ActorRef<MemoryDirectory.Command> directory;

  /** An actor system on its own H2 file, so each backlog syncs on its own. */
  private MemoryBench(String name, Path dir) {
    this.system = ActorSystem.create(Behaviors.empty(), name,
        JournalConfig.overlay(JournalSettings.h2(dir.resolve("journal/workmate")))
            .withFallback(com.typesafe.config.ConfigFactory.load()));
    JournalStartup.start(system, Duration.ofSeconds(30));
    this.dir = dir;
    this.executor = system.executionContext();
    this.directory = system.systemActorOf(MemoryDirectory.create(), "memory", Props.empty());
  }

  /** What one backlog sync did. */
  record SyncRun(long entries, double seconds, long writes, long conflicts, boolean exact,
      long fileChars) {}

  private static int run(MemoryBench one, MemoryBench many, int seconds, int agents)
      throws Exception {
    progress.printf("memory-bench: appending for %d s with 1 agent%n", seconds);
    long oneAgent = one.appendFor(List.of(AGENT), Duration.ofSeconds(seconds));
    List<String> manyIds = LongStream.rangeClosed(1, agents).mapToObj(i -> "bench-" + i).toList();
    progress.printf("memory-bench: appending for %d s with %d agents%n", seconds, agents);
    long manyAgents = many.appendFor(manyIds, Duration.ofSeconds(seconds));
    System.out.println("| what | entries | entries/s |");
    System.out.println("|---|---:|---:|");
    System.out.printf("| append, 1 agent, 1 in flight (H2 file, WRITE_DELAY=0) | %d | %.0f |%n",
        oneAgent, oneAgent / (double) seconds);
    System.out.printf("| append, %d agents, 1 in flight each | %d | %.0f |%n", agents,
        manyAgents, manyAgents / (double) seconds);
    System.out.flush();

    progress.println("memory-bench: starting the OpenClaw gateway (15-60 s on two cores)");
    OpenClawGateway gateway;
    try {
      gateway = OpenClawGateway.builder().start();
    } catch (AssertionError | RuntimeException cannotStart) {
      System.err.println("memory-bench: cannot start the OpenClaw gateway (run scripts/setup): "
          + cannotStart.getMessage());
      return 2;
    }
    try (gateway) {
      progress.printf("memory-bench: syncing the backlog of 1 agent (%d entries)%n", oneAgent);
      SyncRun alone = one.sync(gateway, List.of(AGENT));
      printSync("offline backlog of 1 agent synced to MEMORY.md", alone);
      progress.printf("memory-bench: syncing the backlogs of %d agents (%d entries) into the"
          + " same MEMORY.md%n", agents, manyAgents);
      SyncRun shared = many.sync(gateway, manyIds);
      printSync("offline backlogs of " + agents + " agents synced into one MEMORY.md", shared);
      return alone.exact() && shared.exact() ? 0 : 1;
    }
  }

  private static void printSync(String what, SyncRun run) {
    System.out.printf("| %s (%d agents.files.set, %d conflicts, %.1f s, file %d chars, %s) | %d"
        + " | %.0f |%n", what, run.writes(), run.conflicts(), run.seconds(), run.fileChars(),
        run.exact() ? "verified: every seq once, in order" : "MISMATCH", run.entries(),
        run.entries() / run.seconds());
    System.out.flush();
  }

  /** Syncs every agent's backlog, from "cloud available" until all are acknowledged. */
  private SyncRun sync(OpenClawGateway gateway, List<String> agents) throws Exception {
    ActorRef<GatewayConnection.Command> connection = system.systemActorOf(
        GatewayConnection.create(GatewayEndpoint.of("memory", gateway.url(), gateway.token())
            .withStateDir(dir.resolve("gateway"))), "gateway", Props.empty());
    awaitConnected(connection);
    ActorRef<MemorySyncs.Command> syncs = system.systemActorOf(MemorySyncs.create(
        MemorySyncSettings.defaults(), directory, connection, Optional.empty()), "syncs",
        Props.empty());
    agents.forEach(agent -> syncs.tell(new MemorySyncs.Track(agent)));
    List<SyncStatus> ready = awaitAll(syncs, agents, status -> !"recovering".equals(
        status.state()) && status.localSeq() > 0);
    long entries = ready.stream().mapToLong(SyncStatus::localSeq).sum();
    long start = System.nanoTime();
    syncs.tell(new MemorySyncs.CloudAvailability(true, "bench"));
    List<SyncStatus> done = awaitAll(syncs, agents,
        status -> status.syncedSeq() >= status.localSeq() && status.localSeq() > 0);
    double seconds = (System.nanoTime() - start) / 1e9;
    String content = readMemoryFile(connection);
    boolean exact = true;
    for (SyncStatus status : done) {
      exact &= MemorySection.entrySeqs(content, status.agentId())
          .equals(LongStream.rangeClosed(1, status.localSeq()).boxed().toList());
    }
    return new SyncRun(entries, seconds, done.stream().mapToLong(SyncStatus::writes).sum(),
        done.stream().mapToLong(SyncStatus::conflicts).sum(), exact, content.length());
  }

  /** Appends to each agent in a loop, one in flight per agent, until {@code duration} ends. */
  private long appendFor(List<String> agents, Duration duration) throws Exception {
    AtomicLong count = new AtomicLong();
    long deadline = System.nanoTime() + duration.toNanos();
    CompletableFuture<?>[] loops = agents.stream()
        .map(agent -> loop(agent, deadline, count).toCompletableFuture())
        .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(loops).get();
    return count.get();
  }

  private CompletionStage<Void> loop(String agent, long deadline, AtomicLong count) {
    if (System.nanoTime() >= deadline) {
      return CompletableFuture.completedFuture(null);
    }
    long n = count.incrementAndGet();
    CompletionStage<AgentMemory.Reply> reply = AskPattern.ask(directory,
        replyTo -> new MemoryDirectory.ToAgent(agent, new AgentMemory.Append("note",
            "bench entry " + n + " for " + agent, List.of("bench"), replyTo)), ASK,
        system.scheduler());
    // an executor on every stage (stack.md pitfall 1: a thread per callback otherwise)
    return reply.thenComposeAsync(answer -> {
      if (!(answer instanceof AgentMemory.Reply.Appended)) {
        throw new IllegalStateException("append refused: " + answer);
      }
      return loop(agent, deadline, count);
    }, executor);
  }

  private void awaitConnected(ActorRef<GatewayConnection.Command> connection) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      var status = AskPattern.<GatewayConnection.Command, io.workmate.gateway.GatewayStatus>ask(
          connection, GatewayConnection.GetStatus::new, ASK, system.scheduler())
          .toCompletableFuture().get();
      if (status.state() == io.workmate.gateway.LinkState.CONNECTED) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the bench's gateway connection never connected");
  }

  private List<SyncStatus> awaitAll(ActorRef<MemorySyncs.Command> syncs, List<String> agents,
      java.util.function.Predicate<SyncStatus> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    List<SyncStatus> mine = List.of();
    while (System.nanoTime() < deadline) {
      mine = AskPattern.<MemorySyncs.Command, MemorySyncs.Statuses>ask(syncs,
          MemorySyncs.GetStatus::new, ASK, system.scheduler()).toCompletableFuture().get()
          .all().stream().filter(status -> agents.contains(status.agentId())).toList();
      if (mine.size() == agents.size() && mine.stream().allMatch(condition)) {
        return mine;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("not done within 10 minutes: " + mine);
  }

  private String readMemoryFile(ActorRef<GatewayConnection.Command> connection)
      throws Exception {
    GatewayReply reply = AskPattern.<GatewayConnection.Command, GatewayReply>ask(connection,
        replyTo -> GatewayConnection.Call.of("agents.files.get", JsonNodeFactory.instance
            .objectNode().put("agentId", MemorySyncSettings.DEFAULT_TARGET)
            .put("name", MemorySyncSettings.MEMORY_FILE), replyTo), ASK, system.scheduler())
        .toCompletableFuture().get();
    if (!(reply instanceof GatewayReply.Ok ok)) {
      throw new IllegalStateException("cannot read MEMORY.md back: " + reply);
    }
    return ok.payload().path("file").path("content").asText("");
  }
}
