package io.workmate.server.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.GatewayStatus;
import io.workmate.runtime.Capability;
import io.workmate.runtime.MessageOutcome;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Workmate's HTTP API (so far: mode and messages). JSON in and out; every error is
 * {@code {"error": {"code", "message"}}} with a 4xx that says what is wrong. When an API token
 * is configured every route but {@code /v1/health} needs {@code Authorization: Bearer <token>}.
 */
public final class HttpApi extends AllDirectives {

  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MESSAGE_TIMEOUT = Duration.ofMinutes(5);

  private final ActorSystem<?> system;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final Optional<byte[]> token;
  private final ObjectMapper json = new ObjectMapper();
  private final Executor executor;

  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token) {
    this.system = system;
    this.runtime = runtime;
    this.token = token.isEmpty() ? Optional.empty()
        : Optional.of(token.reveal().getBytes(StandardCharsets.UTF_8));
    this.executor = system.executionContext();
  }

  public Route routes() {
    return handleExceptions(errors(), () -> handleRejections(rejections(), () ->
        withSizeLimit(MAX_BODY_BYTES, () -> concat(
            path(segment("v1").slash("health"), () -> get(this::health)),
            authenticated(() -> concat(
                path(segment("v1").slash("mode"), () -> concat(
                    get(this::showMode),
                    put(() -> entity(Unmarshaller.entityToString(), this::changeMode)))),
                path(segment("v1").slash("messages"), () ->
                    post(() -> entity(Unmarshaller.entityToString(), this::sendMessage)))))))));
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route health() {
    return onSuccess(askState(), state -> {
      ObjectNode body = json.createObjectNode();
      body.put("status", "ok");
      body.put("mode", state.effective().wire());
      body.put("state", state.state());
      return ok(body);
    });
  }

  private Route showMode() {
    return onSuccess(askState(), state -> ok(modeJson(state)));
  }

  private Route changeMode(String body) {
    JsonNode request = parseObject(body);
    allowOnly(request, Set.of("mode"));
    JsonNode mode = request.get("mode");
    if (mode == null || !mode.isTextual()) {
      throw new ApiError(400, "invalid_request",
          "body must be {\"mode\": \"auto\"|\"local\"|\"remote\"|\"offline\"}");
    }
    Mode requested;
    try {
      requested = Mode.parse(mode.asText());
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "invalid_mode", e.getMessage());
    }
    CompletionStage<RuntimeSupervisor.RuntimeState> changed = AskPattern.ask(runtime,
        replyTo -> new RuntimeSupervisor.SetMode(requested, replyTo), ASK_TIMEOUT,
        system.scheduler());
    return onSuccess(changed.thenApplyAsync(state -> state, executor),
        state -> ok(modeJson(state)));
  }

  private Route sendMessage(String body) {
    JsonNode request = parseObject(body);
    allowOnly(request, Set.of("prompt", "preferOnline"));
    JsonNode prompt = request.get("prompt");
    if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
      throw new ApiError(400, "invalid_request", "\"prompt\" must be a non-empty string");
    }
    JsonNode prefer = request.get("preferOnline");
    if (prefer != null && !prefer.isBoolean()) {
      throw new ApiError(400, "invalid_request", "\"preferOnline\" must be true or false");
    }
    boolean preferOnline = prefer == null || prefer.asBoolean();
    CompletionStage<MessageOutcome> outcome = AskPattern.ask(runtime,
        replyTo -> new RuntimeSupervisor.SendMessage(prompt.asText(), preferOnline, replyTo),
        MESSAGE_TIMEOUT, system.scheduler());
    return onSuccess(outcome.thenApplyAsync(o -> o, executor), result -> {
      ObjectNode answer = json.createObjectNode();
      answer.put("route", result.route().name().toLowerCase().replace('_', '-'));
      answer.put("ok", result.ok());
      answer.put("text", result.text());
      result.error().ifPresent(error -> answer.put("error", error));
      result.note().ifPresent(note -> answer.put("note", note));
      return ok(answer);
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  private CompletionStage<RuntimeSupervisor.RuntimeState> askState() {
    return AskPattern.<RuntimeSupervisor.Command, RuntimeSupervisor.RuntimeState>ask(runtime,
        RuntimeSupervisor.GetState::new, ASK_TIMEOUT, system.scheduler())
        .thenApplyAsync(state -> state, executor);
  }

  private ObjectNode modeJson(RuntimeSupervisor.RuntimeState state) {
    ObjectNode body = json.createObjectNode();
    body.put("requested", state.requested().wire());
    body.put("effective", state.effective().wire());
    ArrayNode capabilities = body.putArray("capabilities");
    for (Capability capability : Capability.values()) {
      if (state.capabilities().contains(capability)) {
        capabilities.add(capability.wire());
      }
    }
    body.put("state", state.state());
    body.put("since", state.since().toString());
    ArrayNode gateways = body.putArray("gateways");
    for (GatewayStatus gateway : state.gateways()) {
      ObjectNode entry = gateways.addObject();
      entry.put("name", gateway.name());
      entry.put("url", gateway.url().toString());
      entry.put("state", gateway.state().name().toLowerCase());
      entry.put("detail", gateway.detail());
      entry.put("since", gateway.since().toString());
    }
    return body;
  }

  private JsonNode parseObject(String body) {
    JsonNode node;
    try {
      node = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "malformed_json", "the body is not valid JSON: "
          + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new ApiError(400, "malformed_json", "the body must be a JSON object");
    }
    return node;
  }

  private static void allowOnly(JsonNode request, Set<String> fields) {
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new ApiError(400, "unknown_field", "unknown field \"" + name + "\"; allowed: "
            + String.join(", ", fields));
      }
    }
  }

  private Route authenticated(java.util.function.Supplier<Route> inner) {
    if (token.isEmpty()) {
      return inner.get();
    }
    return extractCredentials(credentials -> {
      if (credentials.isPresent() && validToken(credentials.get())) {
        return inner.get();
      }
      return error(401, "unauthorized",
          "this route needs the header Authorization: Bearer <WORKMATE_API_TOKEN>");
    });
  }

  /** Constant time, so the comparison leaks nothing about the token. */
  private boolean validToken(HttpCredentials credentials) {
    if (!"bearer".equalsIgnoreCase(credentials.scheme())) {
      return false;
    }
    byte[] presented = credentials.token().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(presented, token.get());
  }

  private Route ok(JsonNode body) {
    return complete(HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString())));
  }

  private Route error(int status, String code, String message) {
    return complete(errorResponse(status, code, message));
  }

  private HttpResponse errorResponse(int status, String code, String message) {
    ObjectNode body = json.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
  }

  private ExceptionHandler errors() {
    return ExceptionHandler.newBuilder()
        .match(ApiError.class, e -> complete(errorResponse(e.status(), e.code(), e.getMessage())))
        .match(java.util.concurrent.CompletionException.class, e ->
            complete(errorResponse(503, "unavailable", "the runtime did not answer: "
                + e.getCause().getMessage())))
        .match(java.util.concurrent.TimeoutException.class, e ->
            complete(errorResponse(503, "unavailable", "the runtime did not answer in time")))
        .build();
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handle(org.apache.pekko.http.javadsl.server.MethodRejection.class, rejection ->
            error(405, "method_not_allowed", "use " + rejection.supported().name()
                + " on this path"))
        .handleNotFound(error(404, "not_found", "no such route"))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(response -> {
          if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            return response;
          }
          String code = response.status().intValue() == 413 ? "payload_too_large" : "bad_request";
          String message = response.status().intValue() == 413
              ? "the body is larger than " + MAX_BODY_BYTES + " bytes"
              : response.status().reason();
          return errorResponse(response.status().intValue(), code, message);
        });
  }
}
