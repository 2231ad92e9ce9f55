package io.workmate.memory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The way to the {@link AgentMemory} entities, so callers address memories by agent id: on a
 * service on its own, one child per agent, spawned on first use; in a cluster ({@link #sharded}),
 * Cluster Sharding entities ({@link #MEMORY}), so one agent's memory has one writer in the whole
 * cluster whichever node a request comes through. It checks agent ids, group-commits appends per
 * agent, and tells its subscribers (the {@link MemorySyncs}) whenever an entity it hosts stored
 * an entry, so the sync knows the local seq and which agents have memory without polling.
 */
public final class MemoryDirectory {

  /** Agent ids: what the marked section in MEMORY.md and the URL path can carry verbatim. */
  public static final Pattern AGENT_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(@[a-z0-9][a-z0-9-]{0,62})?");

  /** The tag every job summary carries; each also carries {@code job:<jobId>}. */
  public static final String JOB_TAG = "job";

  /** The entity type of agent memories in a cluster; the entity id is the agent id. */
  public static final EntityTypeKey<AgentMemory.Command> MEMORY =
      EntityTypeKey.create(AgentMemory.Command.class, "agent-memory");

  public sealed interface Command {}

  /** Forwards {@code command} to the memory of {@code agentId} (spawned if needed). */
  public record ToAgent(String agentId, AgentMemory.Command command) implements Command {}

  /** {@code subscriber} gets a {@link Stored} for every entry stored from now on. */
  public record Subscribe(ActorRef<Stored> subscriber) implements Command {}

  /** An entry was journaled for {@code agentId}; its seq is {@code seq}. */
  public record Stored(String agentId, long seq) implements Command {}

  /** Memories as children of this actor: a service on its own. */
  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new MemoryDirectory(context, null).running());
  }

  /**
   * Memories as Cluster Sharding entities ({@link #MEMORY}); the entities this node hosts report
   * their stored entries to this node's directory.
   */
  public static Behavior<Command> sharded() {
    return Behaviors.setup(context -> {
      ClusterSharding sharding = ClusterSharding.get(context.getSystem());
      sharding.init(Entity.of(MEMORY,
          entity -> AgentMemory.create(entity.getEntityId(), context.getSelf())));
      return new MemoryDirectory(context, sharding).running();
    });
  }

  /** The memory of {@code agentId}, or {@link AgentMemory.Reply.Rejected} if the id is bad. */
  public static Optional<AgentMemory.Reply.Rejected> checkAgentId(String agentId) {
    if (agentId == null || !AGENT_ID.matcher(agentId).matches()) {
      return Optional.of(new AgentMemory.Reply.Rejected(AgentMemory.INVALID,
          "agent id must match " + AGENT_ID.pattern() + "; got "
              + (agentId == null ? "nothing" : "\"" + agentId + "\"")));
    }
    return Optional.empty();
  }

  /**
   * The command that records a finished job in its agent's memory: a {@code summary} entry tagged
   * {@code job}, {@code job:<jobId>} and {@code status:<status>}. Text longer than the entry limit
   * is cut (with a note), so a summary is never refused for its size.
   */
  public static ToAgent jobSummary(String agentId, String jobId, String status, String text,
      ActorRef<AgentMemory.Reply> replyTo) {
    String body = "Job " + jobId + " " + status + (text == null || text.isBlank() ? "."
        : ": " + text.strip());
    return new ToAgent(agentId, new AgentMemory.Append(MemoryKind.SUMMARY.wire(),
        truncate(body, AgentMemory.MAX_TEXT_BYTES), List.of(JOB_TAG, "job:" + safeTag(jobId),
            "status:" + safeTag(status)), replyTo));
  }

  /** An agent's appends written as one batch, and those waiting for the next. */
  private record BatchDone(String agentId, List<AgentMemory.Append> appends,
      AgentMemory.BatchStored stored, Throwable failure) implements Command {}

  /** The code of an append that was not stored (HTTP 503); the caller may send it again. */
  public static final String UNAVAILABLE = "unavailable";

  /** Appends waiting for one agent's next write; beyond this they are refused. */
  static final int MAX_WAITING = 100_000;
  /** Appends in one write at most. */
  static final int MAX_BATCH = 1_000;
  /**
   * A write not confirmed within this is answered as not stored. A failed write restarts the
   * entity without a word to us, so this is how long a caller waits when the journal fails:
   * shorter than the HTTP API's 10 s, so the caller hears why.
   */
  private static final java.time.Duration BATCH_TIMEOUT = java.time.Duration.ofSeconds(8);

  private final ActorContext<Command> context;
  /** Null on a service on its own: the memories are children. */
  private final ClusterSharding sharding;
  private final Set<ActorRef<Stored>> subscribers = new HashSet<>();
  /** Agents with a write in flight, with the appends that came meanwhile. */
  private final java.util.Map<String, java.util.ArrayDeque<AgentMemory.Append>> waiting =
      new java.util.HashMap<>();

  private MemoryDirectory(ActorContext<Command> context, ClusterSharding sharding) {
    this.context = context;
    this.sharding = sharding;
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(ToAgent.class, this::onToAgent)
        .onMessage(Subscribe.class, subscribe -> {
          subscribers.add(subscribe.subscriber());
          return Behaviors.same();
        })
        .onMessage(BatchDone.class, this::onBatchDone)
        .onMessage(Stored.class, stored -> {
          subscribers.forEach(subscriber -> subscriber.tell(stored));
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onToAgent(ToAgent message) {
    Optional<AgentMemory.Reply.Rejected> bad = checkAgentId(message.agentId());
    if (bad.isPresent()) {
      if (message.command() instanceof AgentMemory.AppendBatch batch) {
        batch.appends().forEach(append -> append.replyTo().tell(bad.get()));
      } else {
        replyTo(message.command()).tell(bad.get());
      }
      return Behaviors.same();
    }
    if (message.command() instanceof AgentMemory.Append append) {
      appendGrouped(message.agentId(), append);
    } else {
      entity(message.agentId()).tell(message.command());
    }
    return Behaviors.same();
  }

  /**
   * Group commit: an append goes out at once when the agent has no write in flight; the ones that
   * arrive meanwhile wait and go out together as the next write. One agent's entries are written
   * by one entity one after the other, so a write per entry would cap an agent at what one
   * journal round trip a time gives (a few hundred a second: every finished job leaves one).
   */
  private void appendGrouped(String agentId, AgentMemory.Append append) {
    java.util.ArrayDeque<AgentMemory.Append> queue = waiting.get(agentId);
    if (queue == null) {
      waiting.put(agentId, new java.util.ArrayDeque<>());
      write(agentId, List.of(append));
    } else if (queue.size() >= MAX_WAITING) {
      append.replyTo().tell(new AgentMemory.Reply.Rejected(UNAVAILABLE, "agent " + agentId
          + " has " + MAX_WAITING + " entries waiting to be stored; try again"));
    } else {
      queue.add(append);
    }
  }

  private void write(String agentId, List<AgentMemory.Append> appends) {
    context.ask(AgentMemory.BatchStored.class, entity(agentId), BATCH_TIMEOUT,
        done -> new AgentMemory.AppendBatch(appends, done),
        (stored, failure) -> new BatchDone(agentId, appends, stored, failure));
  }

  private Behavior<Command> onBatchDone(BatchDone done) {
    if (done.failure() != null) {
      // the entity restarts after a failed write and recovers what was stored; the callers
      // hear that theirs may not have been, and may send it again
      context.getLog().warn("memory of {}: a write of {} entries was not confirmed ({})",
          done.agentId(), done.appends().size(), done.failure().toString());
      AgentMemory.Reply.Rejected notStored = new AgentMemory.Reply.Rejected(UNAVAILABLE,
          "the memory store did not confirm the write (the journal failed or did not answer); "
              + "try again");
      done.appends().forEach(append -> append.replyTo().tell(notStored));
    }
    java.util.ArrayDeque<AgentMemory.Append> queue = waiting.get(done.agentId());
    if (queue == null || queue.isEmpty()) {
      waiting.remove(done.agentId());
      return Behaviors.same();
    }
    List<AgentMemory.Append> next = new java.util.ArrayList<>(Math.min(queue.size(), MAX_BATCH));
    while (!queue.isEmpty() && next.size() < MAX_BATCH) {
      next.add(queue.poll());
    }
    write(done.agentId(), next);
    return Behaviors.same();
  }

  private RecipientRef<AgentMemory.Command> entity(String agentId) {
    if (sharding != null) {
      return sharding.entityRefFor(MEMORY, agentId);
    }
    String name = "memory-" + URLEncoder.encode(agentId, StandardCharsets.UTF_8);
    Optional<ActorRef<Void>> child = context.getChild(name);
    if (child.isPresent()) {
      return child.get().unsafeUpcast();
    }
    return context.spawn(AgentMemory.create(agentId, context.getSelf()), name);
  }

  private static ActorRef<AgentMemory.Reply> replyTo(AgentMemory.Command command) {
    if (command instanceof AgentMemory.Append append) {
      return append.replyTo();
    } else if (command instanceof AgentMemory.Read read) {
      return read.replyTo();
    } else if (command instanceof AgentMemory.Search search) {
      return search.replyTo();
    }
    return ((AgentMemory.GetInfo) command).replyTo();
  }

  private static String safeTag(String value) {
    String cleaned = value == null ? "unknown" : value.replaceAll("[^A-Za-z0-9_.:/-]", "_");
    cleaned = cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0))
        ? "x" + cleaned : cleaned;
    return cleaned.length() > 58 ? cleaned.substring(0, 58) : cleaned;
  }

  static String truncate(String text, int maxBytes) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return text;
    }
    String note = " [cut]";
    int keep = maxBytes - note.length();
    // back off to a character boundary
    while (keep > 0 && (bytes[keep] & 0xC0) == 0x80) {
      keep--;
    }
    return new String(bytes, 0, keep, StandardCharsets.UTF_8) + note;
  }
}
