package io.workmate.persistence;

import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The child JVM of {@link CrashDurabilityTest}: persists events one after another, forever, and
 * prints {@code ACK <sequenceNr>} for each one the journal has acknowledged, until it is killed.
 * Arguments: the H2 path and the persistence id.
 */
public final class CrashingWriter {

  private CrashingWriter() {}

  public static void main(String[] args) {
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "crashing-writer", H2Journal.config(Path.of(args[0])));
    try {
      JournalStartup.start(system, H2Journal.STARTUP_TIMEOUT);
      ActorRef<Counter.Command> counter =
          system.systemActorOf(Counter.create(args[1]), "counter", Props.empty());
      while (true) {
        // Blocking get, one event in flight: no CompletableFuture callbacks (stack.md pitfall 1).
        Ack ack = AskPattern.<Counter.Command, Ack>ask(counter, replyTo -> new Add(1, replyTo),
            Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get();
        System.out.println("ACK " + ack.sequenceNr());
        System.out.flush();
      }
    } catch (Exception e) {
      e.printStackTrace();
      system.terminate();
      System.exit(1);
    }
  }
}
