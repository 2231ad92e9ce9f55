package io.workmate.server.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.memory.AgentMemory;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemoryEntry;
import io.workmate.memory.MemorySyncs;
import io.workmate.memory.SyncStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

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
  private final ObjectMapper json = new ObjectMapper();

  /** {@code syncs} empty: no gateway configured; {@code /v1/memory/sync} lists nothing. */
  public MemoryRoutes(ActorSystem<?> system, ActorRef<MemoryDirectory.Command> directory,
      Optional<ActorRef<MemorySyncs.Command>> syncs) {
    this.system = system;
    this.directory = directory;
    this.syncs = syncs;
  }

  public Route routes() {
    return handleExceptions(Responses.errorHandler("memory"), () -> concat(
        path(segment("v1").slash("agents").slash(segment()).slash("memory"), agentId -> concat(
            get(() -> parameterOptional("q", q -> parameterList("tag", tags ->
                parameterOptional("after", after -> parameterOptional("limit", limit ->
                    read(agentId, q, tags, after, limit)))))),
            post(() -> entity(Unmarshaller.entityToString(), body -> append(agentId, body))))),
        path(segment("v1").slash("memory").slash("sync"), () -> get(this::syncStatus))));
  }

  /** The same routes as {@link HttpApi} endpoints (its router, its auth, its OpenAPI). */
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.endpoint("GET", "/v1/agents/{id}/memory", "An agent's memory entries: after a "
                + "seq, containing a text, carrying tags")
            .query("q", "text the entry contains (case-insensitive)")
            .query("tag", "a tag the entry carries (repeatable: all of them)")
            .query("after", "only entries with a higher seq (default 0)")
            .query("limit", "at most this many (1-1000, default 100)")
            .responds(200, "{\"agentId\", \"lastSeq\", \"entries\": [...], \"nextAfter\"?}")
            .responds(400, "a malformed agent id or query")
            .handle(ids -> parameterOptional("q", q -> parameterList("tag", tags ->
                parameterOptional("after", after -> parameterOptional("limit", limit ->
                    read(ids.get(0), q, tags, after, limit)))))),
        Endpoint.endpoint("POST", "/v1/agents/{id}/memory", "Append a memory entry")
            .body(OpenApi.memorySchema())
            .responds(201, "{\"agentId\", \"entry\": {\"seq\", \"kind\", \"text\", "
                + "\"tags\", \"at\"}}")
            .responds(400, "malformed or invalid entry")
            .responds(413, "text over 16 KiB")
            .handle(ids -> entity(Unmarshaller.entityToString(),
                body -> append(ids.get(0), body))),
        Endpoint.endpoint("GET", "/v1/memory/sync", "Cloud sync per agent: local seq, synced "
                + "seq, last error")
            .responds(200, "{\"enabled\", \"agents\": [...]}")
            .handle(ids -> syncStatus()));
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route append(String agentId, String body) {
    checkAgentId(agentId);
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, Set.of("kind", "text", "tags"));
    String kind = textField(request, "kind");
    String text = textField(request, "text");
    List<String> tags = new ArrayList<>();
    JsonNode tagNode = request.get("tags");
    if (tagNode != null && !tagNode.isNull()) {
      if (!tagNode.isArray()) {
        throw new ApiError(400, AgentMemory.INVALID, "\"tags\" must be an array of strings");
      }
      for (JsonNode tag : tagNode) {
        if (!tag.isTextual()) {
          throw new ApiError(400, AgentMemory.INVALID, "\"tags\" must be an array of strings");
        }
        tags.add(tag.asText());
      }
    }
    return onSuccess(ask(agentId, replyTo -> new AgentMemory.Append(kind, text, tags, replyTo)),
        reply -> {
          if (reply instanceof AgentMemory.Reply.Appended appended) {
            ObjectNode out = json.createObjectNode();
            out.put("agentId", agentId);
            out.set("entry", entryJson(appended.entry()));
            return respond(StatusCodes.CREATED, out);
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
          ObjectNode out = json.createObjectNode();
          out.put("agentId", agentId);
          out.put("lastSeq", entries.lastSeq());
          ArrayNode list = out.putArray("entries");
          entries.entries().forEach(entry -> list.add(entryJson(entry)));
          if (!entries.entries().isEmpty()) {
            // where the next page starts; absent when this page was the end
            long last = entries.entries().get(entries.entries().size() - 1).seq();
            if (entries.entries().size() == count && last < entries.lastSeq()) {
              out.put("nextAfter", last);
            }
          }
          return respond(StatusCodes.OK, out);
        });
  }

  private Route syncStatus() {
    CompletionStage<List<SyncStatus>> statuses = syncs.isEmpty()
        ? java.util.concurrent.CompletableFuture.completedFuture(List.of())
        : AskPattern.ask(syncs.get(), MemorySyncs.GetStatus::new, ASK_TIMEOUT,
            system.scheduler());
    return onSuccess(statuses, all -> {
      ObjectNode out = json.createObjectNode();
      out.put("enabled", syncs.isPresent());
      ArrayNode agents = out.putArray("agents");
      for (SyncStatus status : all) {
        ObjectNode agent = agents.addObject();
        agent.put("agentId", status.agentId());
        agent.put("target", status.target());
        agent.put("state", status.state());
        agent.put("localSeq", status.localSeq());
        agent.put("syncedSeq", status.syncedSeq());
        agent.put("pending", Math.max(0, status.localSeq() - status.syncedSeq()));
        agent.put("lastError", status.lastError());
        agent.put("lastErrorAt", status.lastErrorAt() == null ? null
            : status.lastErrorAt().toString());
        agent.put("writes", status.writes());
        agent.put("conflicts", status.conflicts());
      }
      return respond(StatusCodes.OK, out);
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  private CompletionStage<AgentMemory.Reply> ask(String agentId,
      Function<ActorRef<AgentMemory.Reply>, AgentMemory.Command> command) {
    return AskPattern.ask(directory,
        replyTo -> new MemoryDirectory.ToAgent(agentId, command.apply(replyTo)), ASK_TIMEOUT,
        system.scheduler());
  }

  private ObjectNode entryJson(MemoryEntry entry) {
    ObjectNode node = json.createObjectNode();
    node.put("seq", entry.seq());
    node.put("kind", entry.kind().wire());
    node.put("text", entry.text());
    ArrayNode tags = node.putArray("tags");
    entry.tags().forEach(tags::add);
    node.put("at", entry.at().toString());
    return node;
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

  private static String textField(JsonNode request, String name) {
    JsonNode value = request.get(name);
    if (value == null || value.isNull()) {
      return null; // the entity says what is missing
    }
    if (!value.isTextual()) {
      throw new ApiError(400, AgentMemory.INVALID, "\"" + name + "\" must be a string");
    }
    return value.asText();
  }

  private Route respond(StatusCode status, JsonNode body) {
    return complete(Responses.json(status.intValue(), body));
  }
}
