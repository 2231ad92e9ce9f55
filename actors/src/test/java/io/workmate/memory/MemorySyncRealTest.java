package io.workmate.memory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.codex.CodexPool;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.testkit.LoopbackProxy;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.runtime.EffectiveMode;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.support.Backoff;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory sync against the real OpenClaw gateway (the JVM's shared one) and the real H2 file
 * journal: backlog after offline, a flapping link, outside edits, and the real supervisor.
 */
class MemorySyncRealTest {

  static final Duration SYNC_DEADLINE = Duration.ofSeconds(90);
  static final String TARGET = MemorySyncSettings.DEFAULT_TARGET;

  private static OpenClawGateway gateway;

  @TempDir Path dir;

  private ActorTestKit kit;
  private ActorRef<MemoryDirectory.Command> directory;
  private RemoteMemoryFile remote;
  private final List<LoopbackProxy> proxies = new ArrayList<>();
  private String agent;

  @BeforeAll
  static void startGateway() {
    gateway = OpenClawGateway.shared(); // fails with the reason when it cannot start
  }

  @BeforeEach
  void start() {
    kit = MemoryJournal.start("memory-sync", dir.resolve("journal/workmate"));
    directory = kit.spawn(MemoryDirectory.create(), "memory");
    remote = new RemoteMemoryFile(kit, gateway, dir.resolve("files-identity"), TARGET,
        MemorySyncSettings.MEMORY_FILE);
    agent = "wm-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
    proxies.forEach(LoopbackProxy::close);
  }

  static MemorySyncSettings settings() {
    return MemorySyncSettings.defaults()
        .withBackoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(500), 2.0, 0.2))
        .withCallTimeout(Duration.ofSeconds(10));
  }

  GatewayEndpoint endpoint(String name, int port) {
    return GatewayEndpoint.of(name, URI.create("ws://127.0.0.1:" + port), gateway.token())
        .withStateDir(dir.resolve("gateways").resolve(name))
        .withReconnectBackoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 2.0,
            0.2));
  }

  LoopbackProxy proxy() {
    LoopbackProxy proxy = LoopbackProxy.start(gateway.port());
    proxies.add(proxy);
    return proxy;
  }

  // --- the acceptance points ------------------------------------------------------------------

  @Test
  void aThousandEntriesWrittenOfflineReachMemoryMdOnceAndInOrderWhenTheRealSupervisorGoesRemote()
      throws Exception {
    LoopbackProxy link = proxy();
    link.cut(); // the gateway is unreachable: the runtime is offline
    ActorRef<RuntimeSupervisor.Command> runtime = kit.spawn(RuntimeSupervisor.create(
        RuntimeSettings.of(Mode.AUTO, Optional.empty(), Optional.of(endpoint("remote",
            link.port())), null).withStability(Duration.ofSeconds(1), Duration.ofSeconds(4),
            Duration.ofSeconds(10)),
        kit.<CodexPool.Command>spawn(Behaviors.ignore())));
    TestProbe<RuntimeSupervisor.ModeChanged> modes = kit.createTestProbe();
    runtime.tell(new RuntimeSupervisor.Subscribe(modes.getRef()));
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.withOwnConnection(settings(),
        directory, endpoint("memory", link.port()), Optional.of(runtime)));

    appendAll(1000);

    SyncStatus offline = awaitStatus(syncs, s -> s.localSeq() == 1000, "all 1000 counted");
    assertEquals("offline", offline.state());
    assertEquals(0, offline.syncedSeq());
    assertEquals(0, MemorySection.heldSeq(remote.content(), agent), "nothing left while offline");

    link.restore();
    RuntimeSupervisor.ModeChanged online = modes.receiveMessage(RemoteMemoryFile.TIMEOUT);
    assertEquals(EffectiveMode.REMOTE, online.to());
    SyncStatus synced = awaitStatus(syncs, s -> s.syncedSeq() == 1000, "synced to 1000");

    assertEquals(1000, synced.localSeq());
    assertRemoteEqualsLocal(1000);
  }

  @Test
  void flappingTheLink50TimesWhile2000EntriesAreWrittenEndsWithRemoteEqualToLocal()
      throws Exception {
    LoopbackProxy link = proxy();
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.withOwnConnection(
        settings().withMaxBatchBytes(16 * 1024), directory, endpoint("memory", link.port()),
        Optional.empty()));
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));

    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        appendAll(2000);
      } catch (Throwable t) {
        writerFailure.set(t);
      }
    }, "memory-writer");
    writer.start();
    // each up-period lasts until the sync got a batch through (or holds all there is), each
    // down-period until the proxy dropped the sync's connection
    long acked = 0;
    for (int flap = 0; flap < 50; flap++) {
      long before = acked;
      acked = awaitStatus(syncs, s -> s.syncedSeq() > before || s.syncedSeq() == 2000,
          "progress after flap " + flap).syncedSeq();
      link.cut();
      await("the link dropped").atMost(RemoteMemoryFile.TIMEOUT)
          .until(() -> link.connectionCount() == 0);
      link.restore();
    }
    writer.join(120_000);
    assertEquals(null, writerFailure.get(), "the writer failed");

    SyncStatus synced = awaitStatus(syncs, s -> s.syncedSeq() == 2000, "synced to 2000");
    assertEquals(2000, synced.localSeq());
    assertNotNull(synced.lastError(), "the flaps were noticed: " + synced);
    assertRemoteEqualsLocal(2000);
  }

  @Test
  void anEditBySomeoneElseDuringTheSyncIsPreservedAndTheConflictRebased() throws Exception {
    remote.appendLineAsSomeoneElse("Line written before the sync " + agent);
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.create(settings(), directory,
        directConnection(), Optional.empty()));
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));

    appendAll(300);
    awaitStatus(syncs, s -> s.syncedSeq() == 300, "first part synced");
    // The sync holds the hash of its last write; this edit makes it stale.
    remote.appendLineAsSomeoneElse("Line written during the sync " + agent);
    appendAll(300, 600);
    SyncStatus synced = awaitStatus(syncs, s -> s.syncedSeq() == 600, "synced to 600");

    assertTrue(synced.conflicts() >= 1, "the stale hash was refused and rebased: " + synced);
    String content = remote.content();
    assertTrue(content.contains("Line written before the sync " + agent + "\n"), "kept");
    assertTrue(content.contains("Line written during the sync " + agent + "\n"), "kept");
    assertRemoteEqualsLocal(600);
  }

  @Test
  void offlineItStaysIdleAndOnlineAgainItResumesWithoutRewritingWhatItHolds() throws Exception {
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.create(settings(), directory,
        directConnection(), Optional.empty()));
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));
    appendAll(50);
    SyncStatus first = awaitStatus(syncs, s -> s.syncedSeq() == 50, "synced to 50");

    syncs.tell(new MemorySyncs.CloudAvailability(false, "test"));
    awaitStatus(syncs, s -> "offline".equals(s.state()), "offline");
    appendAll(50, 80);
    SyncStatus idle = awaitStatus(syncs, s -> s.localSeq() == 80, "counted");
    // longer than the read journal's refresh interval: nothing may be pushed meanwhile
    await("nothing is pushed offline").during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(30)).until(() -> status(syncs).syncedSeq() == 50);
    assertEquals(50, idle.syncedSeq(), "nothing is pushed offline");
    assertEquals(first.writes(), idle.writes());
    assertEquals(50, MemorySection.heldSeq(remote.content(), agent));

    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));
    awaitStatus(syncs, s -> s.syncedSeq() == 80, "synced to 80");
    assertRemoteEqualsLocal(80);
  }

  @Test
  void aKill9DuringTheSyncResumesFromTheAcknowledgedOffsetWithoutDuplicates() throws Exception {
    kit.shutdownTestKit(); // the child JVM needs the H2 file for itself
    Path h2 = dir.resolve("crash/workmate");
    kit = MemoryJournal.start("memory-crash-writer", h2);
    directory = kit.spawn(MemoryDirectory.create(), "memory");
    appendAll(2000);
    kit.shutdownTestKit();

    long lastAck = syncInAChildAndKillIt(h2, 400);
    assertTrue(lastAck >= 400 && lastAck < 2000, "killed mid-sync, at " + lastAck);

    kit = MemoryJournal.start("memory-crash-after", h2);
    remote = new RemoteMemoryFile(kit, gateway, dir.resolve("files-identity-2"), TARGET,
        MemorySyncSettings.MEMORY_FILE);
    long held = MemorySection.heldSeq(remote.content(), agent);
    assertTrue(held >= lastAck, "the file holds what was acknowledged: " + held);
    TestProbe<MemorySyncLedger.State> ledgerState = kit.createTestProbe();
    ActorRef<MemorySyncLedger.Command> ledger = kit.spawn(MemorySyncLedger.create(agent));
    ledger.tell(new MemorySyncLedger.Get(ledgerState.getRef()));
    long acked = ledgerState.receiveMessage(RemoteMemoryFile.TIMEOUT).ackedSeq();
    assertTrue(acked >= lastAck && acked <= held, "durable offset " + acked + " (child printed "
        + lastAck + ", file holds " + held + ")");
    kit.stop(ledger, Duration.ofSeconds(10));

    directory = kit.spawn(MemoryDirectory.create(), "memory");
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.create(settings(), directory,
        directConnection(), Optional.empty()));
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));
    SyncStatus synced = awaitStatus(syncs, s -> s.syncedSeq() == 2000, "synced to 2000");

    assertEquals(2000, synced.localSeq());
    assertRemoteEqualsLocal(2000);
  }

  /** Runs {@link MemorySyncChild}, SIGKILLs it once it acknowledged {@code killAfter}. */
  private long syncInAChildAndKillIt(Path h2, long killAfter) throws Exception {
    Path childErrors = dir.resolve("child-stderr.log");
    Process child = io.workmate.testkit.ChildJvm.start(MemorySyncChild.class, "384m",
        childErrors, h2.toString(), gateway.url().toString(), gateway.token(),
        dir.resolve("child-identity").toString(), agent, "4096");
    try {
      java.io.BufferedReader out = child.inputReader();
      long lastAck = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (lastAck < killAfter) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the child acknowledged only " + lastAck);
        }
        String line = out.readLine();
        if (line == null) {
          throw new AssertionError("the child died after " + lastAck + " acks; its stderr:\n"
              + java.nio.file.Files.readString(childErrors));
        }
        if (line.startsWith("ACK ")) {
          lastAck = Long.parseLong(line.substring(4).trim());
        }
      }
      child.destroyForcibly(); // SIGKILL
      assertTrue(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the child survived");
      try { // acks printed before the kill still count, if the pipe still has them
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith("ACK ")) {
            lastAck = Long.parseLong(line.substring(4).trim());
          }
        }
      } catch (java.io.IOException closed) {
        // destroyForcibly closed our end of the pipe: the last ack read stays a lower bound
      }
      assertEquals(137, child.exitValue(), "killed by SIGKILL");
      return lastAck;
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void severalAgentsSharingOneMemoryMdTakeTurnsWithoutConflictingWithEachOther()
      throws Exception {
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.create(settings(), directory,
        directConnection(), Optional.empty()));
    String base = agent;
    List<String> agents = LongStream.rangeClosed(1, 5).mapToObj(i -> base + "-" + i).toList();
    for (String each : agents) {
      agent = each;
      appendAll(120);
    }
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));
    for (String each : agents) {
      agent = each;
      SyncStatus synced = awaitStatus(syncs, s -> s.syncedSeq() == 120, "synced to 120");
      assertEquals(0, synced.conflicts(), "turns, not races, between our own syncs: " + synced);
    }
    // Read back only once every sync is done: the gateway refuses a read that a concurrent
    // write's rename overtakes ("unsafe workspace file"), which our syncs retry but this check
    // would not.
    for (String each : agents) {
      agent = each;
      assertRemoteEqualsLocal(120);
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  private ActorRef<GatewayConnection.Command> directConnection() {
    ActorRef<GatewayConnection.Command> connection = kit.spawn(GatewayConnection.create(
        endpoint("memory", gateway.port())));
    RemoteMemoryFile.awaitConnected(kit, connection);
    return connection;
  }

  void appendAll(int count) {
    appendAll(0, count);
  }

  /** Appends entries {@code from+1..to} (text and tags derived from the number). */
  void appendAll(int from, int to) {
    for (int i = from + 1; i <= to; i++) {
      int n = i;
      AgentMemory.Reply reply = MemoryJournal.append(kit, directory, agent,
          n % 3 == 0 ? "fact" : "note", "entry " + n + " of " + agent
              + (n % 7 == 0 ? "\nsecond line of " + n : ""), n % 2 == 0 ? List.of("even")
              : List.of());
      assertEquals(n, assertInstanceOf(AgentMemory.Reply.Appended.class, reply).entry().seq());
    }
  }

  SyncStatus awaitStatus(ActorRef<MemorySyncs.Command> syncs, Predicate<SyncStatus> condition,
      String what) {
    return await(what).atMost(SYNC_DEADLINE).pollInterval(Duration.ofMillis(100))
        .until(() -> status(syncs), last -> last != null && condition.test(last));
  }

  /** This agent's sync status now, or null while the syncs do not know it. */
  private SyncStatus status(ActorRef<MemorySyncs.Command> syncs) {
    TestProbe<MemorySyncs.Statuses> probe = kit.createTestProbe();
    syncs.tell(new MemorySyncs.GetStatus(probe.getRef()));
    SyncStatus last = null;
    for (SyncStatus status : probe.receiveMessage(Duration.ofSeconds(10)).all()) {
      if (status.agentId().equals(agent)) {
        last = status;
      }
    }
    probe.stop();
    return last;
  }

  /** The remote section is exactly the local log, rendered: every entry once, in order. */
  void assertRemoteEqualsLocal(long count) {
    List<MemoryEntry> local = new ArrayList<>();
    while (local.size() < count) {
      long after = local.size();
      AgentMemory.Reply reply = MemoryJournal.ask(kit, directory, agent,
          replyTo -> new AgentMemory.Read(after, AgentMemory.MAX_READ, replyTo));
      local.addAll(assertInstanceOf(AgentMemory.Reply.Entries.class, reply).entries());
    }
    String content = remote.content();
    assertEquals(LongStream.rangeClosed(1, count).boxed().toList(),
        MemorySection.entrySeqs(content, agent), "every seq once, in order");
    StringBuilder expected = new StringBuilder(MemorySection.beginMarker(agent, count))
        .append("\n## Workmate memory: ").append(agent).append('\n');
    local.forEach(entry -> MemorySection.render(entry, expected));
    expected.append(MemorySection.endMarker(agent));
    MemorySection.Located section = MemorySection.locate(content, agent);
    assertEquals(expected.toString(), content.substring(section.start(), section.end()),
        "the remote section equals the local log");
  }
}
