package io.workmate.persistence;

import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import io.workmate.persistence.Counter.GetState;
import io.workmate.persistence.Counter.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The child JVM of {@link CrashDurabilityTest}. Recovers the counter and prints {@code RECOVERED
 * <events>}, then persists events the way a service does: a short burst, then a quiet moment,
 * and prints {@code ACK <sequenceNr>} for each one the journal has acknowledged, until it is
 * killed. Arguments: the H2 path, the persistence id, the seed of its pacing, and the H2 URL
 * settings to add to the journal's own (the test shortens H2's retention time with them).
 */
public final class CrashingWriter {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private CrashingWriter() {}

  public static void main(String[] args) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "crashing-writer",
        H2Journal.config(Path.of(args[0]), args[3]));
    Random pacing = new Random(Long.parseLong(args[2]));
    try {
      JournalStartup.start(system, H2Journal.STARTUP_TIMEOUT);
      ActorRef<Counter.Command> counter =
          system.systemActorOf(Counter.create(args[1]), "counter", Props.empty());
      // Blocking gets, one message in flight: no CompletableFuture callbacks (stack.md pitfall 1).
      State recovered = AskPattern.<Counter.Command, State>ask(counter, GetState::new, ASK_TIMEOUT,
          system.scheduler()).toCompletableFuture().get();
      System.out.println("RECOVERED " + recovered.events());
      System.out.flush();
      while (true) {
        int burst = 1 + pacing.nextInt(4);
        for (int i = 0; i < burst; i++) {
          Ack ack = AskPattern.<Counter.Command, Ack>ask(counter, replyTo -> new Add(1, replyTo),
              ASK_TIMEOUT, system.scheduler()).toCompletableFuture().get();
          System.out.println("ACK " + ack.sequenceNr());
          System.out.flush();
        }
        // the quiet moment: nothing is written while the test may kill this JVM
        Thread.sleep(200 + pacing.nextInt(1300));
      }
    } catch (Exception e) {
      e.printStackTrace();
      system.terminate();
      System.exit(1);
    }
  }
}
