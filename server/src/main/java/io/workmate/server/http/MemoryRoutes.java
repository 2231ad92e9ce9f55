package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.workmate.memory.AgentMemory;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemoryEntry;
import io.workmate.memory.MemorySyncs;
import io.workmate.memory.SyncStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The memory routes, for {@link HttpApi} to mount (inside its auth and size limit):
 *
 * <ul>
 *   <li>{@code POST /v1/agents/{id}/memory} {@code {"kind":"note|fact|summary","text":"…",
 *       "tags":["…"]}} → 201 with the stored entry (its {@code seq});
 *   <li>{@code GET /v1/agents/{id}/memory?q=&tag=&tag=&after=&limit=} → the entries after
 *       {@code after} whose text contains {@code q} and that carry every {@code tag};
 *   <li>{@code GET /v1/memory/sync} → per agent: local seq, synced seq, state, last error.
 * </ul>
 *
 * Errors use the API's format {@code {"error":{"code","message"}}}: 400 {@code invalid_agent_id},
 * {@code invalid} (kind, text, tags), {@code invalid_request} (query), {@code malformed_json},
 * {@code unknown_field}; 413 {@code too_large} (text over 16 KiB); 503 {@code unavailable}.
 */
public final class MemoryRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final int DEFAULT_LIMIT = 100;

  private final ActorSystem<?> system;
  private final ActorRef<MemoryDirectory.Command> directory;
  private final Optional<ActorRef<MemorySyncs.Command>> syncs;

  /** {@code syncs} empty: no gateway configured; {@code /v1/memory/sync} lists nothing. */
  public MemoryRoutes(ActorSystem<?> system, ActorRef<MemoryDirectory.Command> directory,
      Optional<ActorRef<MemorySyncs.Command>> syncs) {
    this.system = system;
    this.directory = directory;
    this.syncs = syncs;
  }

  /** These routes alone (no token), answering errors in the API's shape. */
  public Route routes() {
    return Router.served("memory", Router.route(operations(), UnaryOperator.identity()));
  }

  /** The operations {@link HttpApi} mounts (inside its auth) and documents. */
  List<Operation> operations() {
    return List.of(
        Operation.get("/v1/agents/{id}/memory", "An agent's memory entries: after a seq, "
                + "containing a text, carrying tags")
            .query("q", "string", "text the entry contains (case-insensitive)")
            .query("tag", "string", "a tag the entry carries (repeatable: all of them)")
            .query("after", "integer", "only entries with a higher seq (default 0)")
            .query("limit", "integer", "at most this many (1-1000, default 100)")
            .responds(200, "{\"agentId\", \"lastSeq\", \"entries\": [...], \"nextAfter\"?}",
                Entries.class)
            .responds(400, "a malformed agent id or query")
            .route(agentId -> parameterOptional("q", q -> parameterList("tag", tags ->
                parameterOptional("after", after -> parameterOptional("limit", limit ->
                    read(agentId, q, tags, after, limit)))))),
        Operation.post("/v1/agents/{id}/memory", "Append a memory entry")
            .responds(201, "{\"agentId\", \"entry\": {\"seq\", \"kind\", \"text\", "
                + "\"tags\", \"at\"}}", Appended.class)
            .responds(400, "malformed or invalid entry")
            .responds(413, "text over 16 KiB")
            .responds(503, "the journal did not store it; send it again")
            .body(RequestBodies.AppendMemory.class, this::append),
        Operation.get("/v1/memory/sync", "Cloud sync per agent: local seq, synced seq, last "
                + "error")
            .responds(200, "{\"enabled\", \"agents\": [...]}", Syncs.class)
            .route(this::syncStatus));
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route append(String agentId, RequestBodies.AppendMemory body) {
    checkAgentId(agentId);
    List<String> tags = body.tags() == null ? List.of() : body.tags();
    return onSuccess(ask(agentId, replyTo -> new AgentMemory.Append(body.kind(), body.text(), tags, replyTo)),
        reply -> {
          if (reply instanceof AgentMemory.Reply.Appended appended) {
            return Responses.json(201, new Appended(agentId, EntryView.of(appended.entry())));
          }
          throw rejected(reply);
        });
  }

  private Route read(String agentId, Optional<String> q, List<String> tags,
      Optional<String> after, Optional<String> limit) {
    checkAgentId(agentId);
    long afterSeq = number("after", after, 0, Long.MAX_VALUE);
    int max = (int) number("limit", limit, 1, AgentMemory.MAX_READ);
    boolean plain = q.isEmpty() && tags.isEmpty();
    int count = limit.isPresent() ? max : DEFAULT_LIMIT;
    return onSuccess(ask(agentId, replyTo -> plain
            ? new AgentMemory.Read(afterSeq, count, replyTo)
            : new AgentMemory.Search(q.orElse(null), tags, afterSeq, count, replyTo)),
        reply -> {
          if (!(reply instanceof AgentMemory.Reply.Entries entries)) {
            throw rejected(reply);
          }
          Long nextAfter = null;
          if (!entries.entries().isEmpty()) {
            // where the next page starts; absent when this page was the end
            long last = entries.entries().get(entries.entries().size() - 1).seq();
            if (entries.entries().size() == count && last < entries.lastSeq()) {
              nextAfter = last;
            }
          }
          return Responses.json(200, new Entries(agentId, entries.lastSeq(),
              entries.entries().stream().map(EntryView::of).toList(), nextAfter));
        });
  }

  private Route syncStatus() {
    CompletionStage<List<SyncStatus>> statuses = syncs.isEmpty()
        ? java.util.concurrent.CompletableFuture.completedFuture(List.of())
        : AskPattern.ask(syncs.get(), MemorySyncs.GetStatus::new, ASK_TIMEOUT,
            system.scheduler()).thenApply(MemorySyncs.Statuses::all);
    return onSuccess(statuses, all -> Responses.json(200, new Syncs(syncs.isPresent(),
        all.stream().map(AgentSync::of).toList())));
  }

  // --- JSON ---------------------------------------------------------------------------------

  /** One memory entry. */
  record EntryView(long seq, String kind, String text, List<String> tags, String at) {
    static EntryView of(MemoryEntry entry) {
      return new EntryView(entry.seq(), entry.kind().wire(), entry.text(),
          List.copyOf(entry.tags()), entry.at().toString());
    }
  }

  /** The answer to an append. */
  record Appended(String agentId, EntryView entry) {}

  /** A page of entries; {@code nextAfter} only when more follow. */
  record Entries(String agentId, long lastSeq, List<EntryView> entries,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long nextAfter) {}

  /** {@code GET /v1/memory/sync}. */
  record Syncs(boolean enabled, List<AgentSync> agents) {}

  /** One agent's cloud sync. */
  record AgentSync(String agentId, String target, String state, long localSeq, long syncedSeq,
      long pending, String lastError, String lastErrorAt, long writes, long conflicts) {
    static AgentSync of(SyncStatus status) {
      return new AgentSync(status.agentId(), status.target(), status.state(),
          status.localSeq(), status.syncedSeq(),
          Math.max(0, status.localSeq() - status.syncedSeq()), status.lastError(),
          status.lastErrorAt() == null ? null : status.lastErrorAt().toString(),
          status.writes(), status.conflicts());
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  private CompletionStage<AgentMemory.Reply> ask(String agentId,
      Function<ActorRef<AgentMemory.Reply>, AgentMemory.Command> command) {
    return AskPattern.ask(directory,
        replyTo -> new MemoryDirectory.ToAgent(agentId, command.apply(replyTo)), ASK_TIMEOUT,
        system.scheduler());
  }

  private static void checkAgentId(String agentId) {
    MemoryDirectory.checkAgentId(agentId).ifPresent(bad -> {
      throw new ApiError(400, "invalid_agent_id", bad.message());
    });
  }

  private static ApiError rejected(AgentMemory.Reply reply) {
    if (reply instanceof AgentMemory.Reply.Rejected rejected) {
      int status = AgentMemory.TOO_LARGE.equals(rejected.code()) ? 413
          : MemoryDirectory.UNAVAILABLE.equals(rejected.code()) ? 503 : 400;
      return new ApiError(status, rejected.code(), rejected.message());
    }
    return new ApiError(500, "internal", "unexpected answer " + reply);
  }

  private static long number(String name, Optional<String> value, long min, long max) {
    if (value.isEmpty()) {
      return min;
    }
    try {
      long parsed = Long.parseLong(value.get());
      if (parsed < min || parsed > max) {
        throw new ApiError(400, "invalid_request", "\"" + name + "\" must be within " + min
            + ".." + max + "; got " + parsed);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new ApiError(400, "invalid_request", "\"" + name + "\" must be a whole number; got \""
          + value.get() + "\"");
    }
  }
}
