package io.workmate.memory;

import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.persistence.CborSerializable;
import io.workmate.runtime.Capability;
import io.workmate.runtime.RuntimeSupervisor;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The parent of the {@link MemorySync}s, one per Workmate agent that has memory. It learns the
 * agents from the journal at start ({@code currentPersistenceIds}, {@code memory|*}) and from the
 * {@link MemoryDirectory} afterwards, learns whether the cloud is available from the
 * {@link RuntimeSupervisor} (its effective mode has {@link Capability#CLOUD_MEMORY}) and passes
 * that on, and keeps every sync's latest {@link SyncStatus} for {@code GET /v1/memory/sync}.
 *
 * <p>Why one sync actor per agent: each has its own offset, stream, backoff and error, so a bad
 * target for one agent does not hold up the others; agents that share a target file meet only at
 * its compare-and-set, where a conflict is a re-read and a retry.
 */
public final class MemorySyncs {

  public sealed interface Command {}

  /**
   * Cloud memory on or off. Sent by the runtime subscription; tests and setups without a
   * supervisor send it themselves.
   */
  public record CloudAvailability(boolean available, String reason) implements Command {}

  /** Answers every known agent's status, by agent id. */
  public record GetStatus(ActorRef<Statuses> replyTo) implements Command, CborSerializable {}

  /** The answer to {@link GetStatus}: every known agent's status, sorted by agent id. */
  public record Statuses(List<SyncStatus> all) implements CborSerializable {
    public Statuses {
      all = List.copyOf(all);
    }
  }

  /**
   * Makes sure {@code agentId} has a sync (also done on its first stored entry). In a cluster
   * every node's directory sends it for the entries its memories store ({@link #singleton}).
   */
  public record Track(String agentId) implements Command, CborSerializable {}

  // --- internal ---

  private record EntryStored(MemoryDirectory.Stored stored) implements Command {}

  private record ModeChanged(RuntimeSupervisor.ModeChanged changed) implements Command {}

  private record StatusUpdate(SyncStatus status) implements Command {}

  private record Discovered(List<String> agentIds) implements Command {}

  /**
   * Syncs through {@code gateway}; the cloud is available when {@code runtime}'s effective mode
   * has cloud-memory (without a runtime, only {@link CloudAvailability} messages decide).
   */
  public static Behavior<Command> create(MemorySyncSettings settings,
      ActorRef<MemoryDirectory.Command> directory, ActorRef<GatewayConnection.Command> gateway,
      Optional<ActorRef<RuntimeSupervisor.Command>> runtime) {
    return Behaviors.setup(context ->
        new MemorySyncs(settings, directory, gateway, context).start(runtime));
  }

  /**
   * As {@link #create}, with a gateway connection of its own to {@code endpoint} (the remote
   * gateway): memory writes carry whole files of up to megabytes, which should not queue in
   * front of interactive agent runs on the runtime's connection.
   */
  public static Behavior<Command> withOwnConnection(MemorySyncSettings settings,
      ActorRef<MemoryDirectory.Command> directory, GatewayEndpoint endpoint,
      Optional<ActorRef<RuntimeSupervisor.Command>> runtime) {
    return Behaviors.setup(context -> {
      ActorRef<GatewayConnection.Command> gateway = context.spawn(
          Behaviors.supervise(GatewayConnection.create(endpoint)).onFailure(
              SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1),
                  Duration.ofSeconds(30), 0.2)), "gateway");
      return new MemorySyncs(settings, directory, gateway, context).start(runtime);
    });
  }

  /**
   * In a cluster: {@code syncs} as a Cluster Singleton, so each agent's memory has one sync and
   * its offsets ({@code memory-sync|<id>}) one writer in the whole cluster, wherever its memory
   * entity lives; this node's {@code directory} tells it of the entries stored here. Answers the
   * singleton's proxy.
   */
  public static ActorRef<Command> singleton(ActorContext<?> context, Behavior<Command> syncs,
      ActorRef<MemoryDirectory.Command> directory) {
    ActorRef<Command> proxy = ClusterSingleton.get(context.getSystem())
        .init(SingletonActor.of(syncs, "memory-sync"));
    directory.tell(new MemoryDirectory.Subscribe(
        context.spawn(feed(proxy, java.util.Set.of()), "memory-sync-feed")));
    return proxy;
  }

  /**
   * Tells the singleton of each agent once ({@code told}): it follows an agent's entries in the
   * journal from then on, and a singleton started again finds the agents already there from the
   * journal, so a message per stored entry across nodes would say nothing new.
   */
  private static Behavior<MemoryDirectory.Stored> feed(ActorRef<Command> syncs,
      java.util.Set<String> told) {
    return Behaviors.receiveMessage(stored -> {
      if (told.contains(stored.agentId())) {
        return Behaviors.same();
      }
      syncs.tell(new Track(stored.agentId()));
      java.util.Set<String> more = new java.util.HashSet<>(told);
      more.add(stored.agentId());
      return feed(syncs, more);
    });
  }

  private final MemorySyncSettings settings;
  private final ActorRef<MemoryDirectory.Command> directory;
  private final ActorRef<GatewayConnection.Command> gateway;
  private final ActorContext<Command> context;
  private final Map<String, ActorRef<MemorySync.Command>> syncs = new HashMap<>();
  private final Map<String, SyncStatus> statuses = new HashMap<>();
  private final ActorRef<SyncStatus> statusAdapter;
  private final ActorRef<MemoryFileLocks.Command> locks;
  private boolean cloudAvailable;

  private MemorySyncs(MemorySyncSettings settings, ActorRef<MemoryDirectory.Command> directory,
      ActorRef<GatewayConnection.Command> gateway, ActorContext<Command> context) {
    this.settings = settings;
    this.directory = directory;
    this.gateway = gateway;
    this.context = context;
    this.statusAdapter = context.messageAdapter(SyncStatus.class, StatusUpdate::new);
    this.locks = context.spawn(MemoryFileLocks.create(), "file-locks");
  }

  private Behavior<Command> start(Optional<ActorRef<RuntimeSupervisor.Command>> runtime) {
    directory.tell(new MemoryDirectory.Subscribe(
        context.messageAdapter(MemoryDirectory.Stored.class, EntryStored::new)));
    runtime.ifPresent(supervisor -> {
      supervisor.tell(new RuntimeSupervisor.Subscribe(
          context.messageAdapter(RuntimeSupervisor.ModeChanged.class, ModeChanged::new)));
      // Subscribe reports changes only; the current mode comes from GetState.
      context.ask(RuntimeSupervisor.RuntimeState.class, supervisor, Duration.ofSeconds(10),
          RuntimeSupervisor.GetState::new, (state, failure) -> state == null
              ? new CloudAvailability(false, "runtime did not answer")
              : new CloudAvailability(state.effective().supports(Capability.CLOUD_MEMORY),
                  "runtime is " + state.effective().wire()));
    });
    discover();
    return running();
  }

  /** Agents with memory from before this start: {@code memory|*} persistence ids. */
  private void discover() {
    if (!isJdbcJournal()) {
      return;
    }
    String prefix = AgentMemory.ENTITY_TYPE + "|";
    context.pipeToSelf(PersistenceQuery.get(context.getSystem())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
        .currentPersistenceIds()
        .filter(id -> id.startsWith(prefix))
        .map(id -> id.substring(prefix.length()))
        .runWith(Sink.seq(), context.getSystem())
        .thenApplyAsync(ids -> ids, context.getExecutionContext()),
        (ids, failure) -> {
          if (failure != null) {
            context.getLog().warn("memory sync: listing agents with memory failed: {}",
                failure.getMessage());
            return new Discovered(List.of());
          }
          return new Discovered(ids);
        });
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(CloudAvailability.class, this::onCloudAvailability)
        .onMessage(ModeChanged.class, changed -> onCloudAvailability(new CloudAvailability(
            changed.changed().to().supports(Capability.CLOUD_MEMORY),
            "mode " + changed.changed().to().wire())))
        .onMessage(Track.class, track -> {
          sync(track.agentId());
          return Behaviors.same();
        })
        .onMessage(Discovered.class, discovered -> {
          discovered.agentIds().forEach(this::sync);
          return Behaviors.same();
        })
        .onMessage(EntryStored.class, stored -> {
          Optional.ofNullable(sync(stored.stored().agentId())).ifPresent(sync ->
              sync.tell(new MemorySync.LocalSeq(stored.stored().seq())));
          return Behaviors.same();
        })
        .onMessage(StatusUpdate.class, update -> {
          statuses.put(update.status().agentId(), update.status());
          if (cloudAvailable && "offline".equals(update.status().state())) {
            // a sync restarted after a failure starts without knowing; tell it again
            Optional.ofNullable(syncs.get(update.status().agentId()))
                .ifPresent(sync -> sync.tell(new MemorySync.CloudAvailable(true)));
          }
          return Behaviors.same();
        })
        .onMessage(GetStatus.class, get -> {
          List<SyncStatus> all = new ArrayList<>(statuses.values());
          all.sort(Comparator.comparing(SyncStatus::agentId));
          get.replyTo().tell(new Statuses(all));
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onCloudAvailability(CloudAvailability availability) {
    if (availability.available() != cloudAvailable) {
      context.getLog().info("memory sync: cloud memory {} ({})",
          availability.available() ? "available" : "unavailable", availability.reason());
    }
    cloudAvailable = availability.available();
    syncs.values().forEach(sync -> sync.tell(new MemorySync.CloudAvailable(cloudAvailable)));
    return Behaviors.same();
  }

  private ActorRef<MemorySync.Command> sync(String agentId) {
    ActorRef<MemorySync.Command> sync = syncs.get(agentId);
    if (sync == null) {
      if (MemoryDirectory.checkAgentId(agentId).isPresent()) {
        context.getLog().warn("memory sync: ignored {}: not an agent id", agentId);
        return null;
      }
      // A bug in one agent's sync restarts that sync only; its offset is in its ledger.
      sync = context.spawn(Behaviors.supervise(MemorySync.create(agentId, settings, gateway,
          directory, locks, statusAdapter)).onFailure(SupervisorStrategy.restartWithBackoff(
              Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2)),
          "sync-" + URLEncoder.encode(agentId, StandardCharsets.UTF_8));
      syncs.put(agentId, sync);
      statuses.put(agentId, new SyncStatus(agentId, settings.target(agentId), "recovering", 0, 0,
          null, null, 0, 0));
      sync.tell(new MemorySync.CloudAvailable(cloudAvailable));
    }
    return sync;
  }

  private boolean isJdbcJournal() {
    String path = "pekko.persistence.journal.plugin";
    return context.getSystem().settings().config().hasPath(path)
        && "jdbc-journal".equals(context.getSystem().settings().config().getString(path));
  }
}
