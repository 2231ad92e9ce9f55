package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import io.workmate.persistence.Counter.Added;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read side later issues build sync on: events of one entity, in order. */
class EventsByPersistenceIdTest {

  @TempDir Path dir;

  @Test
  void currentEventsByPersistenceIdReturnsOneEntitysEventsInOrder() throws Exception {
    ActorTestKit testKit = H2Journal.start("query", dir.resolve("journal/workmate"));
    try {
      TestProbe<Ack> acks = testKit.createTestProbe();
      ActorRef<Counter.Command> counter = testKit.spawn(Counter.create("counter-query"));
      ActorRef<Counter.Command> other = testKit.spawn(Counter.create("counter-other"));
      for (int amount = 1; amount <= 5; amount++) {
        counter.tell(new Add(amount, acks.ref()));
        acks.receiveMessage();
        other.tell(new Add(100, acks.ref()));
        acks.receiveMessage();
      }

      JdbcReadJournal journal = PersistenceQuery.get(testKit.system())
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
      List<EventEnvelope> envelopes = journal
          .currentEventsByPersistenceId("counter-query", 0, Long.MAX_VALUE)
          .runWith(Sink.seq(), testKit.system())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertEquals(LongStream.rangeClosed(1, 5).boxed().toList(),
          envelopes.stream().map(EventEnvelope::sequenceNr).toList());
      assertEquals(List.of(new Added(1), new Added(2), new Added(3), new Added(4), new Added(5)),
          envelopes.stream().map(EventEnvelope::event).toList());
      envelopes.forEach(envelope -> assertEquals("counter-query", envelope.persistenceId()));
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
