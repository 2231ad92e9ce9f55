package io.workmate.memory;

import io.workmate.memory.MemoryEvent.EntryAppended;
import io.workmate.persistence.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The memory of one Workmate agent, event-sourced: persistence id {@code memory|<agentId>}, every
 * event tagged {@value #TAG}. One {@link EntryAppended} per entry, so an entry's {@code seq} is
 * also its journal sequence number and {@code eventsByPersistenceId(from = seq)} resumes exactly
 * there ({@link MemorySync} relies on it).
 *
 * <p>Appends are validated (kind, non-blank text of at most {@value #MAX_TEXT_BYTES} UTF-8 bytes,
 * tags) and answered only once stored; a bad one gets {@link Reply.Rejected} with
 * {@value #INVALID} or {@value #TOO_LARGE}. Reads and searches are served from the state.
 */
public final class AgentMemory
    extends EventSourcedBehavior<AgentMemory.Command, MemoryEvent, AgentMemory.State> {

  public static final String TAG = "memory";
  public static final String ENTITY_TYPE = "memory";
  public static final String INVALID = "invalid";
  public static final String TOO_LARGE = "too_large";
  public static final int MAX_TEXT_BYTES = 16 * 1024;
  public static final int MAX_TAGS = 16;
  public static final int MAX_READ = 1000;
  static final Pattern TAG_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}");
  static final int SNAPSHOT_EVERY = 500;

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Adds an entry; answers {@link Reply.Appended} once it is journaled. */
  public record Append(String kind, String text, List<String> tags, ActorRef<Reply> replyTo)
      implements Command {}

  /**
   * Several appends stored in one journal write (the directory's group commit): each is answered
   * as if sent alone, then {@code done} hears how many were stored.
   */
  public record AppendBatch(List<Append> appends, ActorRef<BatchStored> done) implements Command {}

  /** The answer to {@link AppendBatch} to the directory. */
  public record BatchStored(String agentId, int stored) implements CborSerializable {}

  /** Entries with {@code seq > afterSeq}, oldest first, at most {@code limit}. */
  public record Read(long afterSeq, int limit, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Entries after {@code afterSeq} whose text contains {@code query} (case-insensitive; null or
   * blank: any) and that carry every tag of {@code tags}, oldest first, at most {@code limit}.
   */
  public record Search(String query, List<String> tags, long afterSeq, int limit,
      ActorRef<Reply> replyTo) implements Command {}

  /** Answers {@link Reply.Info}. */
  public record GetInfo(ActorRef<Reply> replyTo) implements Command {}

  public sealed interface Reply extends CborSerializable {

    record Appended(String agentId, MemoryEntry entry) implements Reply {}

    /** {@code lastSeq} is the agent's newest seq, so a reader knows whether more follow. */
    record Entries(String agentId, List<MemoryEntry> entries, long lastSeq) implements Reply {}

    record Info(String agentId, long lastSeq) implements Reply {}

    /** Nothing was stored; {@code code} is {@value #INVALID} or {@value #TOO_LARGE}. */
    record Rejected(String code, String message) implements Reply {}
  }

  /**
   * The entries, in seq order. Mutable for O(1) appends (copying the list per event would make a
   * long memory quadratic to recover); {@link #snapshotAdapter()} hands the snapshot store an
   * immutable copy, so nothing it serializes later changes under it.
   */
  public static final class State {
    private final ArrayList<MemoryEntry> entries;

    State(List<MemoryEntry> entries) {
      this.entries = new ArrayList<>(entries);
    }

    public long lastSeq() {
      return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).seq();
    }

    State add(MemoryEntry entry) {
      entries.add(entry);
      return this;
    }

    /** Entries after {@code afterSeq} (seqs are 1..n, so the index is the seq). */
    List<MemoryEntry> after(long afterSeq) {
      int from = (int) Math.max(0, Math.min(afterSeq, entries.size()));
      return entries.subList(from, entries.size());
    }
  }

  /** The snapshot form of {@link State}. */
  public record Snapshot(List<MemoryEntry> entries) implements CborSerializable {}

  // ---- behavior ----

  private final String agentId;
  private final Clock clock;
  private final Optional<ActorRef<MemoryDirectory.Command>> listener;

  public static Behavior<Command> create(String agentId) {
    return new AgentMemory(agentId, Clock.systemUTC(), Optional.empty());
  }

  /** As {@link #create(String)}, telling {@code directory} of every stored entry. */
  static Behavior<Command> create(String agentId, ActorRef<MemoryDirectory.Command> directory) {
    return new AgentMemory(agentId, Clock.systemUTC(), Optional.of(directory));
  }

  /** {@code memory|<agentId>}. */
  public static PersistenceId persistenceId(String agentId) {
    return PersistenceId.of(ENTITY_TYPE, agentId);
  }

  private AgentMemory(String agentId, Clock clock,
      Optional<ActorRef<MemoryDirectory.Command>> listener) {
    // a failed write restarts the entity from its journal instead of stopping it for good
    super(persistenceId(agentId), org.apache.pekko.actor.typed.SupervisorStrategy
        .restartWithBackoff(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(5),
            0.2));
    this.agentId = Objects.requireNonNull(agentId, "agentId");
    this.clock = clock;
    this.listener = listener;
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public Set<String> tagsFor(MemoryEvent event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(State state) {
        return new Snapshot(List.copyOf(state.entries));
      }

      @Override
      public State fromJournal(Object from) {
        return new State(((Snapshot) from).entries());
      }
    };
  }

  @Override
  public CommandHandler<Command, MemoryEvent, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Append.class, this::append)
        .onCommand(AppendBatch.class, this::appendBatch)
        .onCommand(Read.class, (state, read) -> Effect().reply(read.replyTo(),
            entries(state, read.afterSeq(), read.limit(), null, null)))
        .onCommand(Search.class, (state, search) -> Effect().reply(search.replyTo(),
            entries(state, search.afterSeq(), search.limit(), search.query(), search.tags())))
        .onCommand(GetInfo.class, (state, get) ->
            Effect().reply(get.replyTo(), new Reply.Info(agentId, state.lastSeq())))
        .build();
  }

  private Effect<MemoryEvent, State> append(State state, Append append) {
    Optional<Reply.Rejected> problem = validate(append.kind(), append.text(), append.tags());
    if (problem.isPresent()) {
      return Effect().reply(append.replyTo(), problem.get());
    }
    MemoryEntry entry = new MemoryEntry(state.lastSeq() + 1,
        MemoryKind.parse(append.kind()).orElseThrow(), append.text(),
        append.tags() == null ? List.of() : append.tags(), clock.instant());
    // Reply only once stored: an acknowledged entry survives a crash (H2 WRITE_DELAY=0).
    return Effect().persist(new EntryAppended(agentId, entry))
        .thenRun(stored -> listener.ifPresent(directory ->
            directory.tell(new MemoryDirectory.Stored(agentId, entry.seq()))))
        .thenReply(append.replyTo(), stored -> new Reply.Appended(agentId, entry));
  }

  private Effect<MemoryEvent, State> appendBatch(State state, AppendBatch batch) {
    List<MemoryEvent> events = new ArrayList<>();
    List<Runnable> replies = new ArrayList<>();
    long seq = state.lastSeq();
    for (Append append : batch.appends()) {
      Optional<Reply.Rejected> problem = validate(append.kind(), append.text(), append.tags());
      if (problem.isPresent()) {
        append.replyTo().tell(problem.get()); // nothing to store: answered at once
        continue;
      }
      MemoryEntry entry = new MemoryEntry(++seq, MemoryKind.parse(append.kind()).orElseThrow(),
          append.text(), append.tags() == null ? List.of() : append.tags(), clock.instant());
      events.add(new EntryAppended(agentId, entry));
      replies.add(() -> {
        listener.ifPresent(directory ->
            directory.tell(new MemoryDirectory.Stored(agentId, entry.seq())));
        append.replyTo().tell(new Reply.Appended(agentId, entry));
      });
    }
    int stored = events.size();
    if (events.isEmpty()) {
      return Effect().reply(batch.done(), new BatchStored(agentId, 0));
    }
    // one write for all: the entries are answered only once they are all stored
    return Effect().persist(events)
        .thenRun(after -> replies.forEach(Runnable::run))
        .thenReply(batch.done(), after -> new BatchStored(agentId, stored));
  }

  private Reply entries(State state, long afterSeq, int limit, String query, List<String> tags) {
    int max = Math.max(1, Math.min(limit <= 0 ? 100 : limit, MAX_READ));
    List<MemoryEntry> found = new ArrayList<>();
    for (MemoryEntry entry : state.after(afterSeq)) {
      if (entry.contains(query) && entry.hasAllTags(tags)) {
        found.add(entry);
        if (found.size() == max) {
          break;
        }
      }
    }
    return new Reply.Entries(agentId, List.copyOf(found), state.lastSeq());
  }

  @Override
  public EventHandler<State, MemoryEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(EntryAppended.class, (state, event) -> state.add(event.entry()))
        .build();
  }

  /** Why an entry would be refused, if it would be. */
  public static Optional<Reply.Rejected> validate(String kind, String text, List<String> tags) {
    if (kind == null || MemoryKind.parse(kind).isEmpty()) {
      return rejected(INVALID, "kind must be one of note, fact, summary; got "
          + (kind == null ? "nothing" : "\"" + kind + "\""));
    }
    if (text == null || text.isBlank()) {
      return rejected(INVALID, "text must be a non-empty string");
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_TEXT_BYTES) {
      return rejected(TOO_LARGE, "text is " + bytes + " bytes; at most " + MAX_TEXT_BYTES
          + " (UTF-8) are allowed");
    }
    if (tags != null) {
      if (tags.size() > MAX_TAGS) {
        return rejected(INVALID, "at most " + MAX_TAGS + " tags; got " + tags.size());
      }
      for (String tag : tags) {
        if (tag == null || !TAG_PATTERN.matcher(tag).matches()) {
          return rejected(INVALID, "tag " + (tag == null ? "null" : "\"" + tag + "\"")
              + " must match " + TAG_PATTERN.pattern());
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Reply.Rejected> rejected(String code, String message) {
    return Optional.of(new Reply.Rejected(code, message));
  }
}
