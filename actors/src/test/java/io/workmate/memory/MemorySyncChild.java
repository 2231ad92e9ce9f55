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
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
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
      long printed = -1;
      while (true) {
        // Blocking get: no CompletableFuture callbacks (stack.md pitfall 1).
        List<SyncStatus> all = AskPattern.<MemorySyncs.Command, List<SyncStatus>>ask(syncs,
            MemorySyncs.GetStatus::new, Duration.ofSeconds(10), system.scheduler())
            .toCompletableFuture().get();
        for (SyncStatus status : all) {
          if (status.agentId().equals(agent) && status.syncedSeq() != printed) {
            printed = status.syncedSeq();
            System.out.println("ACK " + printed);
            System.out.flush();
          }
        }
        Thread.sleep(5);
      }
    } catch (Exception e) {
      e.printStackTrace();
      system.terminate();
      System.exit(1);
    }
  }

}
