package io.workmate.server.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.AgentRegistration;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.RegisteredAgent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The agent registry over HTTP:
 *
 * <pre>
 * GET    /v1/agents[?capability=a,b]  agents (offering all of the capabilities)   200
 * POST   /v1/agents                   register: 201 new, 200 the same again, 400, 409
 * GET    /v1/agents/{id}              one agent                                   200, 404
 * DELETE /v1/agents/{id}              deregister                                  200, 404
 * POST   /v1/agents/{id}/heartbeat    move its expiry deadline                    200, 404
 * </pre>
 *
 * Errors are {@code {"error": {"code", "message"}}} like the rest of the API; the codes are the
 * registry's ({@code invalid}, {@code conflict}, {@code limit_reached}) plus {@code not_found},
 * {@code malformed_json} and {@code unknown_field}. Meant to be concatenated into
 * {@link HttpApi#routes()} inside its authentication; it handles its own errors so it also
 * works alone.
 */
public final class AgentRoutes extends AllDirectives {

  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Set<String> FIELDS = new LinkedHashSet<>(List.of("id", "kind",
      "capabilities", "maxConcurrent", "rateLimitPerMinute", "endpoint", "model", "cwd",
      "ttlSeconds"));

  private final ActorSystem<?> system;
  private final ActorRef<AgentRegistry.Command> registry;
  private final ObjectMapper json = new ObjectMapper();
  private final Executor executor;

  public AgentRoutes(ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry) {
    this.system = system;
    this.registry = registry;
    this.executor = system.executionContext();
  }

  public Route routes() {
    return pathPrefix(segment("v1").slash("agents"), () ->
        handleExceptions(Responses.errorHandler("the agent registry"), () -> withSizeLimit(MAX_BODY_BYTES, () -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> parameterList("capability", this::listAgents)),
                post(() -> entity(Unmarshaller.entityToString(), this::register)))),
            pathPrefix(segment(), id -> concat(
                pathEnd(() -> concat(
                    get(() -> showAgent(id)),
                    delete(() -> deregister(id)))),
                path("heartbeat", () -> post(() -> heartbeat(id)))))))));
  }

  /** The same routes as {@link HttpApi} endpoints (its router, its auth, its OpenAPI). */
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.endpoint("GET", "/v1/agents", "Registered agents, or those offering all the "
                + "given capabilities")
            .query("capability", "a capability the agent must offer (comma-separated or "
                + "repeated)")
            .responds(200, "{\"agents\": [...]}")
            .responds(400, "a malformed capability")
            .handle(ids -> parameterList("capability", this::listAgents)),
        Endpoint.endpoint("POST", "/v1/agents", "Register an agent")
            .body(OpenApi.agentSchema())
            .responds(201, "registered")
            .responds(200, "the same registration again (counts as a heartbeat)")
            .responds(400, "malformed or invalid registration")
            .responds(409, "another registration under this id, or the registry is full")
            .handle(ids -> entity(Unmarshaller.entityToString(), this::register)),
        Endpoint.endpoint("GET", "/v1/agents/{id}", "One agent")
            .responds(200, "the agent with registeredAt, lastHeartbeatAt, expiresAt")
            .responds(404, "no such agent")
            .handle(ids -> showAgent(ids.get(0))),
        Endpoint.endpoint("DELETE", "/v1/agents/{id}", "Deregister an agent")
            .responds(200, "{\"deregistered\": {...}}")
            .responds(404, "no such agent")
            .handle(ids -> deregister(ids.get(0))),
        Endpoint.endpoint("POST", "/v1/agents/{id}/heartbeat", "Keep an agent alive")
            .responds(200, "the agent with its new expiresAt")
            .responds(404, "no such agent (or it expired)")
            .handle(ids -> heartbeat(ids.get(0))));
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route listAgents(List<String> capabilityParams) {
    Set<String> capabilities = new TreeSet<>();
    for (String param : capabilityParams) {
      for (String capability : param.split(",", -1)) {
        String trimmed = capability.trim();
        if (!AgentProfile.VALID_CAPABILITY.matcher(trimmed).matches()) {
          throw new ApiError(400, AgentRegistry.INVALID, "invalid capability '" + trimmed
              + "': use 1-64 of a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit");
        }
        capabilities.add(trimmed);
      }
    }
    CompletionStage<AgentRegistry.Agents> agents = ask(
        replyTo -> new AgentRegistry.Discover(capabilities, replyTo));
    return onSuccess(agents, found -> {
      ObjectNode body = json.createObjectNode();
      ArrayNode list = body.putArray("agents");
      found.agents().forEach(agent -> list.add(agentJson(agent)));
      return respond(200, body);
    });
  }

  private Route register(String body) {
    AgentRegistration.Request request = parseRegistration(body);
    return answer(ask(replyTo -> new AgentRegistry.Register(request, replyTo)));
  }

  private Route showAgent(String id) {
    checkId(id);
    return answer(ask(replyTo -> new AgentRegistry.GetAgent(id, replyTo)));
  }

  private Route deregister(String id) {
    checkId(id);
    return answer(ask(replyTo -> new AgentRegistry.Deregister(id, replyTo)));
  }

  private Route heartbeat(String id) {
    checkId(id);
    return answer(ask(replyTo -> new AgentRegistry.Heartbeat(id, replyTo)));
  }

  /** Every registry reply as HTTP. */
  private Route answer(CompletionStage<AgentRegistry.Reply> reply) {
    return onSuccess(reply, result -> {
      if (result instanceof AgentRegistry.Reply.Registered registered) {
        return respond(registered.created() ? 201 : 200, agentJson(registered.agent()));
      }
      if (result instanceof AgentRegistry.Reply.Current current) {
        return respond(200, agentJson(current.agent()));
      }
      if (result instanceof AgentRegistry.Reply.Removed removed) {
        ObjectNode body = json.createObjectNode();
        body.set("deregistered", agentJson(removed.agent()));
        return respond(200, body);
      }
      if (result instanceof AgentRegistry.Reply.NotFound notFound) {
        throw new ApiError(404, "not_found", "no agent '" + notFound.agentId()
            + "' is registered (never, deregistered or expired)");
      }
      AgentRegistry.Reply.Rejected rejected = (AgentRegistry.Reply.Rejected) result;
      int status = AgentRegistry.INVALID.equals(rejected.code()) ? 400 : 409;
      throw new ApiError(status, rejected.code(), rejected.message());
    });
  }

  // --- JSON -----------------------------------------------------------------------------------

  private AgentRegistration.Request parseRegistration(String body) {
    JsonNode node = RequestBodies.parseObject(body);
    // the allowed fields in the order of the API, not RequestBodies.allowOnly's sorted one
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new ApiError(400, "unknown_field", "unknown field \"" + name + "\"; allowed: "
            + String.join(", ", FIELDS));
      }
    }
    return new AgentRegistration.Request(text(node, "id"), text(node, "kind"),
        strings(node, "capabilities"), integer(node, "maxConcurrent"),
        integer(node, "rateLimitPerMinute"), text(node, "endpoint"), text(node, "model"),
        text(node, "cwd"), ttlSeconds(node));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw invalid("\"" + field + "\" must be a string");
    }
    return value.asText();
  }

  private static Integer integer(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw invalid("\"" + field + "\" must be a whole number");
    }
    return value.asInt();
  }

  private static Long ttlSeconds(JsonNode node) {
    JsonNode value = node.get("ttlSeconds");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw invalid("\"ttlSeconds\" must be a whole number of seconds (0: never expires)");
    }
    return value.asLong();
  }

  private static List<String> strings(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw invalid("\"" + field + "\" must be an array of strings");
    }
    List<String> strings = new ArrayList<>();
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw invalid("\"" + field + "\" must be an array of strings, not contain " + element);
      }
      strings.add(element.asText());
    }
    return strings;
  }

  private ObjectNode agentJson(RegisteredAgent agent) {
    AgentRegistration registration = agent.registration();
    ObjectNode body = json.createObjectNode();
    body.put("id", registration.id());
    body.put("kind", registration.kind().wireName());
    ArrayNode capabilities = body.putArray("capabilities");
    new TreeSet<>(registration.profile().capabilities()).forEach(capabilities::add);
    body.put("maxConcurrent", registration.profile().maxConcurrent());
    body.put("rateLimitPerMinute", registration.profile().rateLimitPerMinute());
    if (registration.endpoint() != null) {
      body.put("endpoint", registration.endpoint());
    }
    if (registration.model() != null) {
      body.put("model", registration.model());
    }
    if (registration.cwd() != null) {
      body.put("cwd", registration.cwd());
    }
    body.put("ttlSeconds", registration.ttl().toSeconds());
    body.put("registeredAt", agent.registeredAt().toString());
    body.put("lastHeartbeatAt", agent.lastHeartbeatAt().toString());
    Instant expiresAt = agent.expiresAt();
    if (expiresAt == null) {
      body.putNull("expiresAt");
    } else {
      body.put("expiresAt", expiresAt.toString());
    }
    return body;
  }

  // --- helpers --------------------------------------------------------------------------------

  private static void checkId(String id) {
    if (!AgentProfile.VALID_ID.matcher(id).matches()) {
      throw invalid("invalid agent id '" + id
          + "': use 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
    }
  }

  private static ApiError invalid(String message) {
    return new ApiError(400, AgentRegistry.INVALID, message);
  }

  /** The answer comes back on the system's executor, not a thread per callback. */
  private <T> CompletionStage<T> ask(
      Function<ActorRef<T>, AgentRegistry.Command> command) {
    return AskPattern.<AgentRegistry.Command, T>ask(registry, command::apply, ASK_TIMEOUT,
        system.scheduler()).thenApplyAsync(answer -> answer, executor);
  }







  private Route respond(int status, JsonNode body) {
    return complete(Responses.json(status, body));
  }
}
