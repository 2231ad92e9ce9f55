package io.workmate.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Turns on a target file: one holder, a FIFO queue, the file handed from writer to writer. */
class MemoryFileLocksTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Duration QUIET = Duration.ofMillis(300);

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void oneHolderAtATimeInArrivalOrderAndTheLastWrittenFileIsHandedOn() {
    ActorRef<MemoryFileLocks.Command> locks = kit.spawn(MemoryFileLocks.create());
    TestProbe<MemorySync.Command> a = kit.createTestProbe();
    TestProbe<MemorySync.Command> b = kit.createTestProbe();
    TestProbe<MemorySync.Command> other = kit.createTestProbe();

    locks.tell(new MemoryFileLocks.Acquire("main", a.getRef()));
    assertEquals(new MemorySync.FileGranted("main", null), a.receiveMessage(),
        "the first holder reads the file itself");
    locks.tell(new MemoryFileLocks.Acquire("main", b.getRef()));
    locks.tell(new MemoryFileLocks.Acquire("ops", other.getRef()));
    other.expectMessageClass(MemorySync.FileGranted.class); // another file: no waiting
    b.expectNoMessage(QUIET);

    MemorySync.RemoteFile written = new MemorySync.RemoteFile("content", "hash-1");
    locks.tell(new MemoryFileLocks.Release("main", a.getRef(), true, written));
    assertEquals(new MemorySync.FileGranted("main", written), b.receiveMessage());

    locks.tell(new MemoryFileLocks.Acquire("main", a.getRef()));
    a.expectNoMessage(QUIET);
    locks.tell(new MemoryFileLocks.Acquire("main", b.getRef()));
    assertEquals(new MemorySync.FileGranted("main", written), b.receiveMessage(),
        "asking again while holding (a restarted sync) is granted again");
    locks.tell(new MemoryFileLocks.Release("main", b.getRef(), false, null));
    assertEquals(new MemorySync.FileGranted("main", written), a.receiveMessage(),
        "released unchanged: the file is still the one written last");
  }

  @Test
  void aHolderThatStopsPassesTheTurnOnWithTheFileUnknownAndAWaiterCanLeaveTheQueue() {
    ActorRef<MemoryFileLocks.Command> locks = kit.spawn(MemoryFileLocks.create());
    TestProbe<MemorySync.Command> a = kit.createTestProbe();
    TestProbe<MemorySync.Command> b = kit.createTestProbe();
    TestProbe<MemorySync.Command> c = kit.createTestProbe();
    locks.tell(new MemoryFileLocks.Acquire("main", a.getRef()));
    a.expectMessageClass(MemorySync.FileGranted.class);
    locks.tell(new MemoryFileLocks.Release("main", a.getRef(), true,
        new MemorySync.RemoteFile("x", "h")));
    locks.tell(new MemoryFileLocks.Acquire("main", a.getRef()));
    a.expectMessageClass(MemorySync.FileGranted.class);
    locks.tell(new MemoryFileLocks.Acquire("main", b.getRef()));
    locks.tell(new MemoryFileLocks.Acquire("main", c.getRef()));
    locks.tell(new MemoryFileLocks.Release("main", b.getRef(), false, null)); // b went offline

    a.stop(); // died mid-write

    assertEquals(new MemorySync.FileGranted("main", null), c.receiveMessage(Duration.ofSeconds(5)),
        "after a holder died the file must be read again");
    b.expectNoMessage(QUIET);
  }
}
