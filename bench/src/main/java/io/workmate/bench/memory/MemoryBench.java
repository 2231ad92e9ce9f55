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
 * and 100 agents with one each), then the offline backlog of the one agent synced to a real
 * OpenClaw gateway's {@code MEMORY.md} (entries/s, batched compare-and-set writes), checked
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
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "memory-bench",
        JournalConfig.overlay(JournalSettings.h2(dir.resolve("journal/workmate")))
            .withFallback(com.typesafe.config.ConfigFactory.load()));
    int exit = 0;
    try {
      JournalStartup.start(system, Duration.ofSeconds(30));
      exit = new MemoryBench(system, dir).run(seconds, agents);
    } catch (Exception | AssertionError failed) {
      System.err.println("memory-bench: failed: " + failed);
      failed.printStackTrace();
      exit = 1;
    } finally {
      system.terminate();
    }
    System.exit(exit);
  }

  private final ActorSystem<Void> system;
  private final Path dir;
  private final Executor executor;
  private final ActorRef<MemoryDirectory.Command> directory;

  private MemoryBench(ActorSystem<Void> system, Path dir) {
    this.system = system;
    this.dir = dir;
    this.executor = system.executionContext();
    this.directory = system.systemActorOf(MemoryDirectory.create(), "memory", Props.empty());
  }

  private int run(int seconds, int agents) throws Exception {
    progress.printf("memory-bench: appending for %d s with 1 agent%n", seconds);
    long oneAgent = appendFor(List.of(AGENT), Duration.ofSeconds(seconds));
    double oneRate = oneAgent / (double) seconds;
    List<String> many = LongStream.rangeClosed(1, agents).mapToObj(i -> "bench-" + i).toList();
    progress.printf("memory-bench: appending for %d s with %d agents%n", seconds, agents);
    long manyAgents = appendFor(many, Duration.ofSeconds(seconds));
    double manyRate = manyAgents / (double) seconds;

    progress.println("memory-bench: starting the OpenClaw gateway (15-60 s on two cores)");
    OpenClawGateway gateway;
    try {
      gateway = OpenClawGateway.builder().start();
    } catch (AssertionError | RuntimeException cannotStart) {
      System.err.println("memory-bench: cannot start the OpenClaw gateway (run scripts/setup): "
          + cannotStart.getMessage());
      printTable(oneAgent, oneRate, agents, manyAgents, manyRate, -1, -1, 0, 0, false);
      return 2;
    }
    try (gateway) {
      ActorRef<GatewayConnection.Command> connection = system.systemActorOf(
          GatewayConnection.create(GatewayEndpoint.of("memory", gateway.url(), gateway.token())
              .withStateDir(dir.resolve("gateway"))), "gateway", Props.empty());
      awaitConnected(connection);
      ActorRef<MemorySyncs.Command> syncs = system.systemActorOf(MemorySyncs.create(
          MemorySyncSettings.defaults(), directory, connection, Optional.empty()), "syncs",
          Props.empty());
      syncs.tell(new MemorySyncs.Track(AGENT));
      long backlog = oneAgent;
      progress.printf("memory-bench: syncing a backlog of %d entries%n", backlog);
      long start = System.nanoTime();
      syncs.tell(new MemorySyncs.CloudAvailability(true, "bench"));
      SyncStatus done = awaitSynced(syncs, backlog);
      double syncSeconds = (System.nanoTime() - start) / 1e9;
      String content = readMemoryFile(connection);
      boolean exact = MemorySection.entrySeqs(content, AGENT)
          .equals(LongStream.rangeClosed(1, backlog).boxed().toList());
      printTable(oneAgent, oneRate, agents, manyAgents, manyRate, backlog, syncSeconds,
          done.writes(), content.length(), exact);
      return exact ? 0 : 1;
    }
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

  private SyncStatus awaitSynced(ActorRef<MemorySyncs.Command> syncs, long seq)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    SyncStatus last = null;
    while (System.nanoTime() < deadline) {
      for (SyncStatus status : AskPattern.<MemorySyncs.Command, List<SyncStatus>>ask(syncs,
          MemorySyncs.GetStatus::new, ASK, system.scheduler()).toCompletableFuture().get()) {
        if (status.agentId().equals(AGENT)) {
          last = status;
        }
      }
      if (last != null && last.syncedSeq() >= seq) {
        return last;
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("not synced within 5 minutes: " + last);
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

  private static void printTable(long oneAgent, double oneRate, int agents, long manyAgents,
      double manyRate, long backlog, double syncSeconds, long writes, long fileChars,
      boolean exact) {
    System.out.println("| what | entries | entries/s |");
    System.out.println("|---|---:|---:|");
    System.out.printf("| append, 1 agent, 1 in flight (H2 file, WRITE_DELAY=0) | %d | %.0f |%n",
        oneAgent, oneRate);
    System.out.printf("| append, %d agents, 1 in flight each | %d | %.0f |%n", agents,
        manyAgents, manyRate);
    if (backlog >= 0) {
      System.out.printf("| offline backlog synced to MEMORY.md (%d agents.files.set, %.1f s,"
          + " file %d chars, %s) | %d | %.0f |%n", writes, syncSeconds, fileChars,
          exact ? "verified: every seq once, in order" : "MISMATCH", backlog,
          backlog / syncSeconds);
    }
  }
}
