package io.workmate.memory;

import io.workmate.gateway.GatewayEndpoint;
import io.workmate.persistence.JournalStartup;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The child JVM of the kill -9 test: syncs the memory already in the H2 journal to the gateway
 * and prints {@code ACK <syncedSeq>} whenever the acknowledged seq moves, until it is killed.
 * Arguments: H2 path, gateway URL, token, state dir, agent id, max batch bytes.
 */
public final class MemorySyncChild {

  private MemorySyncChild() {}

  public static void main(String[] args) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "memory-sync-child",
        MemoryJournal.config(Path.of(args[0])));
    try {
      JournalStartup.start(system, Duration.ofSeconds(30));
      String agent = args[4];
      ActorRef<MemoryDirectory.Command> directory =
          system.systemActorOf(MemoryDirectory.create(), "memory", Props.empty());
      GatewayEndpoint endpoint = GatewayEndpoint.of("memory", URI.create(args[1]), args[2])
          .withStateDir(Path.of(args[3]));
      ActorRef<MemorySyncs.Command> syncs = system.systemActorOf(MemorySyncs.withOwnConnection(
          MemorySyncSettings.defaults().withMaxBatchBytes(Long.parseLong(args[5])), directory,
          endpoint, Optional.empty()), "memory-sync", Props.empty());
      syncs.tell(new MemorySyncs.Track(agent));
      syncs.tell(new MemorySyncs.CloudAvailability(true, "child"));
      system.systemActorOf(AckPrinter.create(syncs, agent), "ack-printer", Props.empty());
      system.getWhenTerminated().toCompletableFuture().join(); // until the test kills it
    } catch (Exception e) {
      e.printStackTrace();
      system.terminate();
      System.exit(1);
    }
  }

  /** Asks the syncs for their status every 5 ms and prints the agent's acknowledged seq. */
  private static final class AckPrinter {

    private enum Poll {
      INSTANCE
    }

    static Behavior<Object> create(ActorRef<MemorySyncs.Command> syncs, String agent) {
      return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay(Poll.INSTANCE, Duration.ofMillis(5));
        ActorRef<MemorySyncs.Statuses> self = context.getSelf().unsafeUpcast();
        long[] printed = {-1};
        return Behaviors.receive(Object.class)
            .onMessage(Poll.class, poll -> {
              syncs.tell(new MemorySyncs.GetStatus(self));
              return Behaviors.same();
            })
            .onMessage(MemorySyncs.Statuses.class, statuses -> {
              for (SyncStatus status : statuses.all()) {
                if (status.agentId().equals(agent) && status.syncedSeq() != printed[0]) {
                  printed[0] = status.syncedSeq();
                  System.out.println("ACK " + printed[0]);
                  System.out.flush();
                }
              }
              return Behaviors.same();
            })
            .build();
      }));
    }
  }
}
