package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.persistence.Counter.GetState;
import io.workmate.persistence.Counter.State;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that is SIGKILLed while writing loses no acknowledged event (H2 needs WRITE_DELAY=0 for
 * that). One child JVM only: each costs about 5 s on this machine.
 */
class CrashDurabilityTest {

  private static final String ID = "counter-crash";
  private static final long KILL_AFTER_ACKS = 200;
  private static final long CHILD_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final String END_OF_OUTPUT = "\u0000eof";

  @TempDir Path dir;

  @Test
  void everyAcknowledgedEventSurvivesAKill9OfTheWriter() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    Path childErrors = dir.resolve("child-stderr.log");

    long lastAcked = runAndKillWriter(h2, childErrors);

    ActorTestKit testKit = H2Journal.start("after-crash", h2);
    try {
      JdbcReadJournal journal = PersistenceQuery.get(testKit.system())
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
      List<Long> stored = journal.currentEventsByPersistenceId(ID, 0, Long.MAX_VALUE)
          .map(EventEnvelope::sequenceNr)
          .runWith(Sink.seq(), testKit.system())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(stored.size() >= lastAcked,
          "acknowledged " + lastAcked + " events but only " + stored.size() + " are stored");
      assertEquals(LongStream.rangeClosed(1, lastAcked).boxed().toList(),
          stored.subList(0, (int) lastAcked), "every acknowledged sequence number, in order");

      TestProbe<State> states = testKit.createTestProbe();
      testKit.spawn(Counter.create(ID)).tell(new GetState(states.ref()));
      State recovered = states.receiveMessage(java.time.Duration.ofSeconds(30));
      assertEquals(new State(stored.size(), stored.size()), recovered);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /** Starts the writer, reads its acknowledgements, SIGKILLs it mid-stream; the last one read. */
  private static long runAndKillWriter(Path h2, Path childErrors) throws Exception {
    Process child = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4",
        "-cp", System.getProperty("java.class.path"),
        CrashingWriter.class.getName(), h2.toString(), ID)
        .redirectError(childErrors.toFile())
        .start();
    long lastAcked = 0;
    try {
      BlockingQueue<String> lines = pump(child);
      long deadline = System.nanoTime() + CHILD_DEADLINE_NANOS;
      while (lastAcked < KILL_AFTER_ACKS) {
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null || line.equals(END_OF_OUTPUT)) {
          throw new AssertionError("the writer stopped after " + lastAcked + " acknowledgements;"
              + " its stderr:\n" + Files.readString(childErrors));
        }
        if (line.startsWith("ACK ")) {
          long sequenceNr = Long.parseLong(line.substring(4).trim());
          assertEquals(lastAcked + 1, sequenceNr, "acknowledgements arrive in order");
          lastAcked = sequenceNr;
        }
      }
      // Lines the writer printed before the kill are acknowledged too; read them after it died.
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
      for (String line = lines.poll(5, TimeUnit.SECONDS); line != null && !line.equals(END_OF_OUTPUT);
          line = lines.poll(5, TimeUnit.SECONDS)) {
        if (line.startsWith("ACK ")) {
          lastAcked = Long.parseLong(line.substring(4).trim());
        }
      }
      assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");
      return lastAcked;
    } finally {
      child.destroyForcibly();
    }
  }

  /** Reads the child's stdout on a daemon thread so the test can wait with a deadline. */
  private static BlockingQueue<String> pump(Process child) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = child.inputReader()) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the pipe closes when the child dies; END_OF_OUTPUT tells the test
      } finally {
        lines.add(END_OF_OUTPUT);
      }
    }, "crashing-writer-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
