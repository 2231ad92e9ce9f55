package io.workmate.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.workmate.testkit.OneNodeCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
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
