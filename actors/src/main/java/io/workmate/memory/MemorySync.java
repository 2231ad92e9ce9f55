package io.workmate.memory;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayReply;
import io.workmate.memory.MemoryEvent.EntryAppended;
import io.workmate.protocol.openclaw.AgentFiles;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.MalformedFrameException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Pushes one Workmate agent's memory to its OpenClaw agent's {@code MEMORY.md}, in order and
 * exactly once, while the cloud is available.
 *
 * <p>Unsynced entries come from the jdbc read journal ({@code eventsByPersistenceId} of
 * {@code memory|<agentId>}, live, from the acknowledged seq + 1), grouped into batches. A batch is
 * merged into the file's marked section ({@link MemorySection}) and written with
 * {@code agents.files.set} + {@code expectedHash}: a compare-and-set, so an edit by someone else
 * in between is a conflict, answered by re-reading and rebasing. Once written, the batch's last
 * seq is recorded in {@link MemorySyncLedger}; a crash between write and record is healed by
 * the file's marker, which says what it holds, so nothing is written twice.
 *
 * <p>States: {@link #recovering()} (reading the offset), {@link #offline()} (no cloud-memory:
 * idle, no stream), {@link #syncing()} (stream open; pulling or pushing a batch),
 * {@link #backingOff()} (an error; the batch is retried after a capped, jittered delay).
 */
public final class MemorySync {

  public sealed interface Command {}

  /** Whether the runtime's mode has {@code cloud-memory}; sent by {@link MemorySyncs}. */
  public record CloudAvailable(boolean available) implements Command {}

  /** A new entry was stored locally (keeps {@code localSeq} current for the status). */
  public record LocalSeq(long seq) implements Command {}

  public record GetStatus(ActorRef<SyncStatus> replyTo) implements Command {}

  /** Our turn on {@code target}'s file ({@link MemoryFileLocks}); {@code file} null: unknown. */
  public record FileGranted(String target, RemoteFile file) implements Command {}

  /** The remote file as last read or written: content (null = absent) and its hash. */
  public record RemoteFile(String content, String hash) {}

  // --- internal ---

  private record Recovered(long ackedSeq) implements Command {}

  private record RecoveryFailed(String reason) implements Command {}

  private record BatchPulled(long generation, List<MemoryEntry> batch, String failure)
      implements Command {}

  private record FileRead(long attempt, GatewayReply reply) implements Command {}

  private record FileWritten(long attempt, GatewayReply reply, String content, long seq)
      implements Command {}

  private record AckStored(long attempt, long seq, boolean restartStream, String failure)
      implements Command {}

  private enum RetryNow implements Command {
    INSTANCE
  }

  /** Where the sync reads entries from: the read journal, live, from a seq. */
  @FunctionalInterface
  public interface EntrySource {
    Source<MemoryEntry, NotUsed> from(ActorSystem<?> system, String agentId, long fromSeq);

    /** {@code JdbcReadJournal.eventsByPersistenceId("memory|<agentId>", fromSeq, ∞)}. */
    static EntrySource jdbc() {
      return (system, agentId, fromSeq) -> PersistenceQuery.get(system)
          .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
          .eventsByPersistenceId(AgentMemory.persistenceId(agentId).id(), fromSeq,
              Long.MAX_VALUE)
          .map(EventEnvelope::event)
          .filter(EntryAppended.class::isInstance)
          .map(event -> ((EntryAppended) event).entry());
    }
  }

  public static Behavior<Command> create(String agentId, MemorySyncSettings settings,
      ActorRef<GatewayConnection.Command> gateway,
      ActorRef<MemoryDirectory.Command> directory, ActorRef<MemoryFileLocks.Command> locks,
      ActorRef<SyncStatus> statusListener) {
    return create(agentId, settings, gateway, directory, locks, statusListener,
        EntrySource.jdbc(), Clock.systemUTC());
  }

  /** {@code clock} dates the last error and the ledger's acknowledgements. */
  static Behavior<Command> create(String agentId, MemorySyncSettings settings,
      ActorRef<GatewayConnection.Command> gateway, ActorRef<MemoryDirectory.Command> directory,
      ActorRef<MemoryFileLocks.Command> locks, ActorRef<SyncStatus> statusListener,
      EntrySource source, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new MemorySync(agentId, settings, gateway, directory, locks, statusListener, source,
            clock, context, timers).recover()));
  }

  private static final Duration ASK_SLACK = Duration.ofSeconds(5);

  private final String agentId;
  private final String target;
  private final MemorySyncSettings settings;
  private final ActorRef<GatewayConnection.Command> gateway;
  private final ActorRef<MemoryDirectory.Command> directory;
  private final ActorRef<MemoryFileLocks.Command> locks;
  private final ActorRef<SyncStatus> statusListener;
  private final EntrySource source;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<MemorySyncLedger.Command> ledger;

  private boolean cloudAvailable;
  private long ackedSeq;
  private long localSeq;
  private String state = "recovering";
  private String lastError;
  private Instant lastErrorAt;
  private long writes;
  private long conflicts;

  private long generation;
  private SinkQueueWithCancel<List<MemoryEntry>> stream;
  /** The batch being pushed; null while pulling. */
  private List<MemoryEntry> batch;
  private long attempt;
  private int failures;
  private int conflictsInARow;
  /** The file as we last saw it during our turn; null = read it before the next merge. */
  private RemoteFile file;
  /** Our turn on the target file: asked for, and held. */
  private boolean awaitingTurn;
  private boolean holdingTurn;

  private MemorySync(String agentId, MemorySyncSettings settings,
      ActorRef<GatewayConnection.Command> gateway, ActorRef<MemoryDirectory.Command> directory,
      ActorRef<MemoryFileLocks.Command> locks, ActorRef<SyncStatus> statusListener,
      EntrySource source, Clock clock, ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    this.agentId = agentId;
    this.target = settings.target(agentId);
    this.settings = settings;
    this.gateway = gateway;
    this.directory = directory;
    this.locks = locks;
    this.statusListener = statusListener;
    this.source = source;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.ledger = context.spawn(MemorySyncLedger.create(agentId, clock), "ledger");
  }

  // --- recovering -----------------------------------------------------------------------------

  private Behavior<Command> recover() {
    // after a restart we may still be the file's holder or in its queue: give it up
    locks.tell(new MemoryFileLocks.Release(target, context.getSelf(), true, null));
    Duration timeout = Duration.ofSeconds(30);
    context.ask(MemorySyncLedger.State.class, ledger, timeout, MemorySyncLedger.Get::new,
        (ledgerState, failure) -> failure != null
            ? new RecoveryFailed("reading the sync offset failed: " + failure.getMessage())
            : new Recovered(ledgerState.ackedSeq()));
    context.ask(AgentMemory.Reply.class, directory, timeout,
        replyTo -> new MemoryDirectory.ToAgent(agentId, new AgentMemory.GetInfo(replyTo)),
        (reply, failure) -> reply instanceof AgentMemory.Reply.Info info
            ? new LocalSeq(info.lastSeq()) : new LocalSeq(0));
    return recovering();
  }

  private Behavior<Command> recovering() {
    return ignoringPushes(common())
        .onMessage(Recovered.class, recovered -> {
          ackedSeq = recovered.ackedSeq();
          localSeq = Math.max(localSeq, ackedSeq);
          return cloudAvailable ? startSyncing() : goOffline();
        })
        .onMessage(RecoveryFailed.class, failed -> {
          // The ledger is event-sourced; its own failure stops it, and so must we.
          throw new IllegalStateException(failed.reason());
        })
        .onMessage(CloudAvailable.class, available -> {
          cloudAvailable = available.available();
          return Behaviors.same();
        })
        .onMessage(RetryNow.class, retry -> Behaviors.same())
        .build();
  }

  // --- offline --------------------------------------------------------------------------------

  private Behavior<Command> goOffline() {
    stopStream();
    timers.cancel(RetryNow.INSTANCE);
    releaseTurn(null);
    batch = null;
    setState("offline");
    return offline();
  }

  private Behavior<Command> offline() {
    return ignoringPushes(common())
        .onMessage(CloudAvailable.class, available -> {
          cloudAvailable = available.available();
          return cloudAvailable ? startSyncing() : Behaviors.same();
        })
        .onMessage(RetryNow.class, retry -> Behaviors.same())
        .build();
  }

  // --- syncing --------------------------------------------------------------------------------

  private Behavior<Command> startSyncing() {
    failures = 0;
    conflictsInARow = 0;
    file = null; // someone may have changed it while we were away
    batch = null;
    startStream(ackedSeq + 1);
    setState("syncing");
    return syncing();
  }

  private Behavior<Command> syncing() {
    return whileOnline()
        .onMessage(RetryNow.class, retry -> Behaviors.same())
        .build();
  }

  private Behavior<Command> backingOff() {
    return whileOnline()
        .onMessage(RetryNow.class, retry -> {
          setState("syncing");
          file = null; // the failed call may have written or not: read the truth
          if (stream == null) {
            startStream(ackedSeq + 1);
          } else if (batch != null) {
            push();
          } else {
            pull();
          }
          return syncing();
        })
        .build();
  }

  private BehaviorBuilder<Command> whileOnline() {
    return common()
        .onMessage(CloudAvailable.class, available -> {
          cloudAvailable = available.available();
          return cloudAvailable ? Behaviors.same() : goOffline();
        })
        .onMessage(BatchPulled.class, this::onBatchPulled)
        .onMessage(FileRead.class, this::onFileRead)
        .onMessage(FileWritten.class, this::onFileWritten)
        .onMessage(AckStored.class, this::onAckStored)
        .onMessage(FileGranted.class, this::onFileGranted);
  }

  private void startStream(long fromSeq) {
    stopStream();
    generation++;
    long cost = 256; // per entry on top of its text, so a batch of tiny entries stays bounded
    stream = source.from(context.getSystem(), agentId, fromSeq)
        .groupedWeightedWithin(settings.maxBatchBytes(),
            entry -> cost + entry.text().length(), settings.batchWindow())
        .runWith(Sink.queue(), context.getSystem());
    pull();
  }

  private void stopStream() {
    if (stream != null) {
      stream.cancel();
      stream = null;
    }
    generation++;
  }

  private void pull() {
    long gen = generation;
    // Hop to the actor system's executor before pipeToSelf (stack.md pitfall 1).
    context.pipeToSelf(stream.pull().thenApplyAsync(next -> next,
        context.getExecutionContext()), (next, failure) -> failure != null
            ? new BatchPulled(gen, null, "reading the journal failed: " + failure.getMessage())
            : new BatchPulled(gen, next.orElse(null), next.isPresent() ? null
                : "the journal stream ended"));
  }

  private Behavior<Command> onBatchPulled(BatchPulled pulled) {
    if (pulled.generation() != generation) {
      return Behaviors.same();
    }
    if (pulled.failure() != null) {
      stopStream();
      return fail(pulled.failure());
    }
    batch = pulled.batch();
    localSeq = Math.max(localSeq, batch.get(batch.size() - 1).seq());
    push();
    return Behaviors.same();
  }

  /**
   * Waits for our turn on the target file, then merges the batch into the file as the last
   * writer left it, or reads the file first when that is unknown.
   */
  private void push() {
    attempt++;
    if (!holdingTurn) {
      awaitingTurn = true;
      locks.tell(new MemoryFileLocks.Acquire(target, context.getSelf()));
      return;
    }
    if (file == null) {
      readFile();
    } else {
      mergeAndWrite();
    }
  }

  private Behavior<Command> onFileGranted(FileGranted granted) {
    if (!awaitingTurn || batch == null) {
      locks.tell(new MemoryFileLocks.Release(target, context.getSelf(), false, null));
      return Behaviors.same();
    }
    awaitingTurn = false;
    holdingTurn = true;
    file = granted.file();
    push();
    return Behaviors.same();
  }

  /**
   * Ends our turn; {@code known} is the file as we leave it (null: unknown, e.g. after a write
   * whose answer never came).
   */
  private void releaseTurn(RemoteFile known) {
    if (holdingTurn || awaitingTurn) {
      locks.tell(new MemoryFileLocks.Release(target, context.getSelf(), holdingTurn, known));
    }
    holdingTurn = false;
    awaitingTurn = false;
    file = null;
  }

  private void readFile() {
    long current = attempt;
    JsonNode params = AgentFileCalls.CODEC.toTree(new AgentFiles.GetParams(target, settings.fileName()));
    context.ask(GatewayReply.class, gateway, settings.callTimeout().plus(ASK_SLACK),
        replyTo -> new GatewayConnection.Call(GatewayMethods.AGENTS_FILES_GET, params,
            Optional.of(settings.callTimeout()), replyTo),
        (reply, failure) -> new FileRead(current, reply != null ? reply
            : new GatewayReply.Unavailable("no answer: " + failure.getMessage())));
  }

  private Behavior<Command> onFileRead(FileRead read) {
    if (read.attempt() != attempt || batch == null) {
      return Behaviors.same();
    }
    if (!(read.reply() instanceof GatewayReply.Ok ok)) {
      return fail(GatewayMethods.AGENTS_FILES_GET + " " + target + "/" + settings.fileName() + ": "
          + AgentFileCalls.describe(read.reply()));
    }
    Optional<AgentFiles.File> remote;
    try {
      remote = AgentFileCalls.answeredFile(ok);
    } catch (MalformedFrameException e) {
      return fail(GatewayMethods.AGENTS_FILES_GET + " " + target + "/" + settings.fileName()
          + ": unreadable answer (" + e.getMessage() + ")");
    }
    if (remote.isEmpty() || remote.get().absent()) {
      file = new RemoteFile(null, null);
    } else {
      String content = Optional.ofNullable(remote.get().content()).orElse("");
      String hash = Optional.ofNullable(remote.get().hash()).orElseGet(() -> AgentFileCalls.sha256(content));
      file = new RemoteFile(content, hash);
    }
    mergeAndWrite();
    return Behaviors.same();
  }

  private void mergeAndWrite() {
    MemorySection.Merge merge = MemorySection.merge(file.content(), agentId, batch);
    if (merge instanceof MemorySection.Merge.AlreadyHeld held) {
      // A write whose answer we lost: the marker says it landed. Record, don't rewrite.
      acknowledge(held.seq(), false);
    } else if (merge instanceof MemorySection.Merge.Gap gap) {
      context.getLog().warn("memory sync {}: {} holds only up to #{} of {}; resending from #{}",
          agentId, settings.fileName(), gap.heldSeq(), agentId, gap.heldSeq() + 1);
      acknowledge(gap.heldSeq(), true);
    } else {
      MemorySection.Merge.Updated updated = (MemorySection.Merge.Updated) merge;
      write(updated.content(), updated.seq());
    }
  }

  private void write(String content, long seq) {
    long current = attempt;
    JsonNode params = AgentFileCalls.CODEC.toTree(
        new AgentFiles.SetParams(target, settings.fileName(), content, file.hash()));
    context.ask(GatewayReply.class, gateway, settings.callTimeout().plus(ASK_SLACK),
        replyTo -> new GatewayConnection.Call(GatewayMethods.AGENTS_FILES_SET, params,
            Optional.of(settings.callTimeout()), replyTo),
        (reply, failure) -> new FileWritten(current, reply != null ? reply
            : new GatewayReply.Unavailable("no answer: " + failure.getMessage()), content, seq));
  }

  private Behavior<Command> onFileWritten(FileWritten written) {
    if (written.attempt() != attempt || batch == null) {
      return Behaviors.same();
    }
    if (written.reply() instanceof GatewayReply.Ok ok) {
      writes++;
      conflictsInARow = 0;
      Optional<String> hash;
      try {
        hash = AgentFileCalls.answeredFile(ok).map(AgentFiles.File::hash);
      } catch (MalformedFrameException e) {
        hash = Optional.empty(); // written all the same: the hash is ours to work out
      }
      file = new RemoteFile(written.content(), hash.orElseGet(() -> AgentFileCalls.sha256(written.content())));
      acknowledge(written.seq(), false);
      return Behaviors.same();
    }
    file = null;
    if (AgentFileCalls.isConflict(written.reply())) {
      conflicts++;
      conflictsInARow++;
      if (conflictsInARow <= settings.conflictRetries()) {
        push(); // someone else wrote in between: re-read, rebase, retry
        return Behaviors.same();
      }
      return fail(conflictsInARow + " compare-and-set conflicts in a row on " + target + "/"
          + settings.fileName());
    }
    return fail(GatewayMethods.AGENTS_FILES_SET + " " + target + "/" + settings.fileName() + ": "
        + AgentFileCalls.describe(written.reply()));
  }

  private void acknowledge(long seq, boolean restartStream) {
    long current = attempt;
    context.ask(MemorySyncLedger.State.class, ledger, Duration.ofSeconds(30),
        replyTo -> new MemorySyncLedger.Acknowledge(seq, replyTo),
        (stored, failure) -> new AckStored(current, seq, restartStream,
            failure == null ? null : failure.getMessage()));
  }

  private Behavior<Command> onAckStored(AckStored stored) {
    if (stored.attempt() != attempt || batch == null) {
      return Behaviors.same();
    }
    if (stored.failure() != null) {
      return fail("recording the acknowledged seq failed: " + stored.failure());
    }
    ackedSeq = stored.seq();
    failures = 0;
    batch = null;
    releaseTurn(file); // one batch per turn: the next sync of this file goes on from our write
    setState("syncing");
    if (stored.restartStream()) {
      startStream(ackedSeq + 1);
    } else {
      pull();
    }
    return Behaviors.same();
  }

  private Behavior<Command> fail(String reason) {
    failures++;
    lastError = reason;
    lastErrorAt = clock.instant();
    Duration delay = settings.backoff().delay(failures - 1);
    context.getLog().info("memory sync {} -> {}: {}; retrying in {} ms", agentId, target, reason,
        delay.toMillis());
    attempt++; // answers still in flight belong to the failed attempt
    releaseTurn(null);
    timers.startSingleTimer(RetryNow.INSTANCE, delay);
    setState("backoff");
    return backingOff();
  }

  // --- shared ---------------------------------------------------------------------------------

  private BehaviorBuilder<Command> common() {
    return Behaviors.receive(Command.class)
        .onMessage(GetStatus.class, get -> {
          get.replyTo().tell(status());
          return Behaviors.same();
        })
        .onMessage(LocalSeq.class, local -> {
          if (local.seq() > localSeq) {
            localSeq = local.seq();
            report();
          }
          return Behaviors.same();
        })
        ;
  }

  /** Answers of a push abandoned when the cloud went away: dropped. */
  private BehaviorBuilder<Command> ignoringPushes(BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(BatchPulled.class, pulled -> Behaviors.same())
        .onMessage(FileRead.class, read -> Behaviors.same())
        .onMessage(FileWritten.class, written -> Behaviors.same())
        .onMessage(AckStored.class, stored -> Behaviors.same())
        .onMessage(FileGranted.class, granted -> {
          locks.tell(new MemoryFileLocks.Release(target, context.getSelf(), false, null));
          return Behaviors.same();
        });
  }

  private void setState(String next) {
    state = next;
    report();
  }

  private void report() {
    statusListener.tell(status());
  }

  private SyncStatus status() {
    return new SyncStatus(agentId, target, state, Math.max(localSeq, ackedSeq), ackedSeq,
        lastError, lastErrorAt, writes, conflicts);
  }

  /** The content hash the gateway uses for compare-and-set. */
  static String sha256(String content) {
    return AgentFileCalls.sha256(content);
  }
}
