package io.workmate.memory;

import static io.workmate.memory.MemoryJournal.append;
import static io.workmate.memory.MemoryJournal.ask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.memory.AgentMemory.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent memory on the real H2 file journal: append, validation, read, search, recovery. */
class AgentMemoryTest {

  @TempDir Path dir;

  @Test
  void appendsGetConsecutiveSeqsPerAgentAndSurviveANewActorSystemWithSnapshots() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    int count = AgentMemory.SNAPSHOT_EVERY + 20; // crosses a snapshot
    ActorTestKit writer = MemoryJournal.start("memory-writer", h2);
    try {
      ActorRef<MemoryDirectory.Command> directory = writer.spawn(MemoryDirectory.create());
      for (int i = 1; i <= count; i++) {
        Reply.Appended appended = assertInstanceOf(Reply.Appended.class,
            append(writer, directory, "alpha", "note", "alpha " + i, List.of("n" + (i % 3))));
        assertEquals(i, appended.entry().seq());
      }
      Reply.Appended other = assertInstanceOf(Reply.Appended.class,
          append(writer, directory, "beta", "fact", "beta one", List.of()));
      assertEquals(1, other.entry().seq(), "seqs are per agent");
    } finally {
      writer.shutdownTestKit();
    }
    String url = io.workmate.persistence.JournalConfig.jdbcUrl(
        io.workmate.persistence.JournalSettings.h2(h2));
    try (var connection = java.sql.DriverManager.getConnection(url, "sa", "");
        var rows = connection.createStatement().executeQuery("SELECT max(\"sequence_number\")"
            + " FROM \"snapshot\" WHERE \"persistence_id\" = 'memory|alpha'")) {
      rows.next();
      assertEquals(AgentMemory.SNAPSHOT_EVERY, rows.getLong(1), "a snapshot was stored");
    }

    ActorTestKit reader = MemoryJournal.start("memory-reader", h2);
    try {
      ActorRef<MemoryDirectory.Command> directory = reader.spawn(MemoryDirectory.create());
      Reply.Info info = assertInstanceOf(Reply.Info.class,
          ask(reader, directory, "alpha", AgentMemory.GetInfo::new));
      assertEquals(count, info.lastSeq());
      Reply.Entries all = assertInstanceOf(Reply.Entries.class, ask(reader, directory, "alpha",
          replyTo -> new AgentMemory.Read(0, AgentMemory.MAX_READ, replyTo)));
      assertEquals(LongStream.rangeClosed(1, count).boxed().toList(),
          all.entries().stream().map(MemoryEntry::seq).toList());
      assertEquals("alpha 7", all.entries().get(6).text());

      Reply.Appended next = assertInstanceOf(Reply.Appended.class,
          append(reader, directory, "alpha", "fact", "after restart", List.of()));
      assertEquals(count + 1, next.entry().seq(), "numbering continues after recovery");

      JdbcReadJournal journal = PersistenceQuery.get(reader.system())
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
      List<Long> seqs = journal.currentEventsByPersistenceId("memory|alpha", 0, Long.MAX_VALUE)
          .map(EventEnvelope::sequenceNr).runWith(Sink.seq(), reader.system())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(LongStream.rangeClosed(1, count + 1).boxed().toList(), seqs,
          "entry seq == journal sequence number");
      long tagged = journal.currentEventsByTag(AgentMemory.TAG, Offset.noOffset())
          .runWith(Sink.seq(), reader.system()).toCompletableFuture().get(30, TimeUnit.SECONDS)
          .size();
      assertEquals(count + 2, tagged, "every memory event carries the memory tag");
    } finally {
      reader.shutdownTestKit();
    }
  }

  @Test
  void badEntriesAreRejectedWithACodeAndNothingIsStored() {
    ActorTestKit kit = MemoryJournal.start("memory-bad", dir.resolve("journal/workmate"));
    try {
      ActorRef<MemoryDirectory.Command> directory = kit.spawn(MemoryDirectory.create());
      assertRejected(AgentMemory.INVALID, append(kit, directory, "a", "diary", "x", List.of()));
      assertRejected(AgentMemory.INVALID, append(kit, directory, "a", null, "x", List.of()));
      assertRejected(AgentMemory.INVALID, append(kit, directory, "a", "note", "  ", List.of()));
      assertRejected(AgentMemory.INVALID, append(kit, directory, "a", "note", null, List.of()));
      assertRejected(AgentMemory.INVALID,
          append(kit, directory, "a", "note", "x", List.of("has space")));
      assertRejected(AgentMemory.TOO_LARGE, append(kit, directory, "a", "note",
          "é".repeat(AgentMemory.MAX_TEXT_BYTES / 2 + 1), List.of()));
      assertRejected(AgentMemory.INVALID,
          append(kit, directory, "no/slash", "note", "x", List.of()));
      assertRejected(AgentMemory.INVALID, append(kit, directory, "", "note", "x", List.of()));

      Reply.Appended ok = assertInstanceOf(Reply.Appended.class, append(kit, directory, "a",
          "note", "x".repeat(AgentMemory.MAX_TEXT_BYTES), List.of()));
      assertEquals(1, ok.entry().seq(), "the rejected ones used no seq");
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void readPagesAfterASeqAndSearchMatchesSubstringAndAllTags() {
    ActorTestKit kit = MemoryJournal.start("memory-search", dir.resolve("journal/workmate"));
    try {
      ActorRef<MemoryDirectory.Command> directory = kit.spawn(MemoryDirectory.create());
      append(kit, directory, "s", "note", "The build is GREEN", List.of("ci"));
      append(kit, directory, "s", "fact", "Deploys run at noon", List.of("ops", "ci"));
      append(kit, directory, "s", "note", "green tea in the kitchen", List.of("office"));
      append(kit, directory, "s", "fact", "CI uses two cores", List.of("ci", "ops"));

      Reply.Entries page = assertInstanceOf(Reply.Entries.class,
          ask(kit, directory, "s", replyTo -> new AgentMemory.Read(1, 2, replyTo)));
      assertEquals(List.of(2L, 3L), seqs(page));
      assertEquals(4, page.lastSeq());

      assertEquals(List.of(1L, 3L), seqs(ask(kit, directory, "s",
          replyTo -> new AgentMemory.Search("green", List.of(), 0, 10, replyTo))));
      assertEquals(List.of(2L, 4L), seqs(ask(kit, directory, "s",
          replyTo -> new AgentMemory.Search(null, List.of("ops", "ci"), 0, 10, replyTo))));
      assertEquals(List.of(4L), seqs(ask(kit, directory, "s",
          replyTo -> new AgentMemory.Search("cores", List.of("ci"), 1, 10, replyTo))));
      assertEquals(List.of(), seqs(ask(kit, directory, "s",
          replyTo -> new AgentMemory.Search("green", List.of("ops"), 0, 10, replyTo))));
      assertEquals(List.of(), seqs(ask(kit, directory, "nobody",
          replyTo -> new AgentMemory.Read(0, 10, replyTo))));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aJobSummaryIsASummaryEntryTaggedWithTheJobAndNeverTooLarge() {
    ActorTestKit kit = MemoryJournal.start("memory-summary", dir.resolve("journal/workmate"));
    try {
      ActorRef<MemoryDirectory.Command> directory = kit.spawn(MemoryDirectory.create());
      var probe = kit.<Reply>createTestProbe();
      directory.tell(MemoryDirectory.jobSummary("codex-1", "job-42", "succeeded",
          "y".repeat(40_000), probe.getRef()));

      Reply.Appended appended = probe.expectMessageClass(Reply.Appended.class,
          MemoryJournal.TIMEOUT);
      MemoryEntry entry = appended.entry();
      assertEquals(MemoryKind.SUMMARY, entry.kind());
      assertEquals(List.of("job", "job:job-42", "status:succeeded"), entry.tags());
      assertTrue(entry.text().startsWith("Job job-42 succeeded: yyy"), entry.text());
      assertTrue(entry.text().endsWith("[cut]"), "cut to the limit instead of refused");
      assertEquals(List.of(1L), seqs(ask(kit, directory, "codex-1",
          replyTo -> new AgentMemory.Search(null, List.of("job:job-42"), 0, 10, replyTo))));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void manyAppendsAtOnceAreEachStoredOnceInOrderWithBadOnesRefused()
      throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    ActorTestKit kit = MemoryJournal.start("memory-grouped", h2);
    int count = 2_000;
    try {
      ActorRef<MemoryDirectory.Command> directory = kit.spawn(MemoryDirectory.create());
      var probe = kit.<Reply>createTestProbe();
      for (int i = 1; i <= count; i++) {
        String kind = i == 1_000 ? "gossip" : "note"; // one bad entry in the middle
        directory.tell(new MemoryDirectory.ToAgent("burst", new AgentMemory.Append(kind,
            "entry " + i, List.of(), probe.getRef())));
      }
      List<Long> seqs = new java.util.ArrayList<>();
      int rejected = 0;
      for (int i = 0; i < count; i++) {
        Reply reply = probe.receiveMessage(MemoryJournal.TIMEOUT);
        if (reply instanceof Reply.Appended appended) {
          seqs.add(appended.entry().seq());
        } else {
          assertRejected(AgentMemory.INVALID, reply);
          rejected++;
        }
      }
      assertEquals(1, rejected);
      assertEquals(LongStream.rangeClosed(1, count - 1).boxed().toList(),
          seqs.stream().sorted().toList(), "every good entry stored once, seqs without gaps");
      Reply.Entries all = assertInstanceOf(Reply.Entries.class, ask(kit, directory, "burst",
          replyTo -> new AgentMemory.Read(0, 1000, replyTo)));
      assertEquals("entry 1", all.entries().get(0).text());
      assertEquals("entry 1001", all.entries().get(999).text(), "in the order they were sent");
    } finally {
      kit.shutdownTestKit();
    }
    String url = io.workmate.persistence.JournalConfig.jdbcUrl(
        io.workmate.persistence.JournalSettings.h2(h2));
    try (var connection = java.sql.DriverManager.getConnection(url, "sa", "");
        var rows = connection.createStatement().executeQuery("SELECT count(*), "
            + "count(DISTINCT \"ordering\") FROM \"event_journal\" "
            + "WHERE \"persistence_id\" = 'memory|burst'")) {
      rows.next();
      assertEquals(count - 1, rows.getLong(1), "one journal row per stored entry");
    }
  }

  private static void assertRejected(String code, Reply reply) {
    Reply.Rejected rejected = assertInstanceOf(Reply.Rejected.class, reply);
    assertEquals(code, rejected.code(), rejected.message());
  }

  private static List<Long> seqs(Reply reply) {
    return assertInstanceOf(Reply.Entries.class, reply).entries().stream()
        .map(MemoryEntry::seq).toList();
  }
}
