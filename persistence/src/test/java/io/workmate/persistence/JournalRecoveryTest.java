package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import io.workmate.persistence.Counter.GetState;
import io.workmate.persistence.Counter.Observation;
import io.workmate.persistence.Counter.Recovered;
import io.workmate.persistence.Counter.SnapshotSaved;
import io.workmate.persistence.Counter.State;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRecoveryTest {

  @TempDir Path dir;

  @Test
  void aNewActorSystemRecoversTheExactStateFromTheLatestSnapshotPlusLaterEvents() {
    Path h2 = dir.resolve("journal/workmate");

    ActorTestKit writer = H2Journal.start("recovery-writer", h2);
    try {
      TestProbe<Observation> observer = writer.createTestProbe();
      TestProbe<Ack> acks = writer.createTestProbe();
      ActorRef<Counter.Command> counter =
          writer.spawn(Counter.create("counter-recovery", 3, observer.ref()));
      observer.expectMessage(new Recovered(new State(0, 0), 0));
      long total = 0;
      for (int amount = 1; amount <= 7; amount++) {
        total += amount;
        counter.tell(new Add(amount, acks.ref()));
        acks.expectMessage(new Ack(amount, total));
      }
      observer.expectMessage(new SnapshotSaved(3));
      observer.expectMessage(new SnapshotSaved(6));
    } finally {
      writer.shutdownTestKit();
    }

    ActorTestKit reader = H2Journal.start("recovery-reader", h2);
    try {
      TestProbe<Observation> observer = reader.createTestProbe();
      ActorRef<Counter.Command> counter =
          reader.spawn(Counter.create("counter-recovery", 3, observer.ref()));
      // Snapshot at 6 plus the one event after it: proves the snapshot path, not a full replay.
      observer.expectMessage(new Recovered(new State(28, 7), 1));

      TestProbe<State> states = reader.createTestProbe();
      counter.tell(new GetState(states.ref()));
      states.expectMessage(new State(28, 7));

      TestProbe<Ack> acks = reader.createTestProbe();
      counter.tell(new Add(8, acks.ref()));
      acks.expectMessage(new Ack(8, 36));
    } finally {
      reader.shutdownTestKit();
    }
    assertEquals(new State(36, 8), recoverIn("recovery-again", h2, "counter-recovery"));
  }

  private static State recoverIn(String systemName, Path h2, String id) {
    ActorTestKit testKit = H2Journal.start(systemName, h2);
    try {
      TestProbe<State> states = testKit.createTestProbe();
      testKit.spawn(Counter.create(id)).tell(new GetState(states.ref()));
      return states.receiveMessage();
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
