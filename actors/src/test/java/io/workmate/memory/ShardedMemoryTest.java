package io.workmate.memory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.workmate.gateway.GatewayConnection;
import io.workmate.testkit.OneNodeCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent memories as Cluster Sharding entities on a one-node cluster with the real embedded
 * journal: appends through the directory are stored and read back, the directory hears of what
 * its node's entities stored, and what crosses nodes survives the wire format.
 */
class ShardedMemoryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static ActorTestKit testKit;
  private static ActorRef<MemoryDirectory.Command> directory;

  @BeforeAll
  static void startNode() throws Exception {
    testKit = OneNodeCluster.start("sharded-memory");
    directory = testKit.spawn(MemoryDirectory.sharded(), "memory");
  }

  @AfterAll
  static void stopNode() {
    testKit.shutdownTestKit();
  }

  @Test
  void appendsAreStoredInTheAgentsEntityAndReadBack() {
    TestProbe<MemoryDirectory.Stored> stored = testKit.createTestProbe();
    directory.tell(new MemoryDirectory.Subscribe(stored.ref()));
    TestProbe<AgentMemory.Reply> replies = testKit.createTestProbe();
    for (int i = 1; i <= 3; i++) {
      directory.tell(new MemoryDirectory.ToAgent("codex@node-a", new AgentMemory.Append("note",
          "entry " + i, List.of("t"), replies.ref())));
    }
    for (int i = 1; i <= 3; i++) {
      assertEquals(i, assertInstanceOf(AgentMemory.Reply.Appended.class,
          replies.receiveMessage(TIMEOUT)).entry().seq());
      assertEquals(new MemoryDirectory.Stored("codex@node-a", i), stored.receiveMessage(TIMEOUT));
    }
    directory.tell(new MemoryDirectory.ToAgent("codex@node-a",
        new AgentMemory.Read(1, 10, replies.ref())));
    AgentMemory.Reply.Entries entries =
        assertInstanceOf(AgentMemory.Reply.Entries.class, replies.receiveMessage(TIMEOUT));
    assertEquals(List.of("entry 2", "entry 3"),
        entries.entries().stream().map(MemoryEntry::text).toList());
    assertEquals(3, entries.lastSeq());
  }

  @Test
  void theClustersOneSyncFollowsAMemoryEntityAndRecordsItsOffset() {
    for (int i = 1; i <= 2; i++) {
      MemoryJournal.append(testKit, directory, "reviewer", "note", "n" + i, List.of());
    }
    AtomicReference<String> remote = new AtomicReference<>();
    ActorRef<GatewayConnection.Command> gateway = testKit.spawn(remoteFile(remote), "gateway");
    TestProbe<ActorRef<MemorySyncs.Command>> proxies = testKit.createTestProbe();
    testKit.spawn(Behaviors.<Void>setup(context -> {
      proxies.getRef().tell(MemorySyncs.singleton(context, MemorySyncs.create(
          MemorySyncSettings.defaults(), directory, gateway, Optional.empty()), directory));
      return Behaviors.empty();
    }), "syncs-owner");
    ActorRef<MemorySyncs.Command> syncs = proxies.receiveMessage(TIMEOUT);
    syncs.tell(new MemorySyncs.CloudAvailability(true, "test"));

    // found from the journal at its start, then told of what this node's directory stores
    await().atMost(TIMEOUT).until(() -> remote.get() != null
        && MemorySection.entrySeqs(remote.get(), "reviewer").equals(List.of(1L, 2L)));
    MemoryJournal.append(testKit, directory, "reviewer", "note", "n3", List.of());
    await().atMost(TIMEOUT).until(() ->
        MemorySection.entrySeqs(remote.get(), "reviewer").equals(List.of(1L, 2L, 3L)));
    TestProbe<MemorySyncs.Statuses> statuses = testKit.createTestProbe();
    await().atMost(TIMEOUT).until(() -> {
      syncs.tell(new MemorySyncs.GetStatus(statuses.getRef()));
      return statuses.receiveMessage(TIMEOUT).all().stream().anyMatch(status ->
          status.agentId().equals("reviewer") && status.syncedSeq() == 3);
    });
  }

  /** The remote MEMORY.md as a gateway keeps it: read, and written when the hash matches. */
  private static Behavior<GatewayConnection.Command> remoteFile(AtomicReference<String> file) {
    return Behaviors.receive(GatewayConnection.Command.class)
        .onMessage(GatewayConnection.Call.class, call -> {
          String current = file.get();
          if (call.method().equals("agents.files.get")) {
            call.replyTo().tell(MemorySyncTest.file(current,
                current == null ? null : MemorySync.sha256(current)));
          } else {
            file.set(call.params().get("content").asText());
            call.replyTo().tell(MemorySyncTest.file(file.get(), MemorySync.sha256(file.get())));
          }
          return Behaviors.same();
        })
        .build();
  }

  @Test
  void whatCrossesNodesSurvivesTheWireFormat() {
    TestProbe<AgentMemory.Reply> replies = testKit.createTestProbe();
    AgentMemory.Append append = new AgentMemory.Append("note", "text", List.of("a"),
        replies.ref());
    MemoryEntry entry = new MemoryEntry(4, MemoryKind.NOTE, "text", List.of("a"),
        Instant.parse("2026-12-07T10:00:00Z"));
    List<Object> messages = List.of(
        append,
        new AgentMemory.AppendBatch(List.of(append),
            testKit.<AgentMemory.BatchStored>createTestProbe().ref()),
        new AgentMemory.BatchStored("codex@node-a", 1),
        new AgentMemory.Read(3, 10, replies.ref()),
        new AgentMemory.Reply.Entries("codex@node-a", List.of(entry), 4),
        new AgentMemory.Reply.Appended("codex@node-a", entry),
        new MemorySyncs.Track("codex@node-a"),
        new MemorySyncs.GetStatus(testKit.<MemorySyncs.Statuses>createTestProbe().ref()),
        new MemorySyncs.Statuses(List.of(new SyncStatus("codex@node-a", "main", "syncing", 4,
            3, null, null, 1, 0))));
    for (Object message : messages) {
      assertEquals(message, OneNodeCluster.roundTrip(testKit, message),
          "round trip of " + message.getClass().getSimpleName());
    }
  }
}
