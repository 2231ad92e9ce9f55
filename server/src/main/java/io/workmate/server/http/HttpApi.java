package io.workmate.server.http;

import static io.workmate.server.http.Endpoint.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.gateway.GatewayStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.runtime.Capability;
import io.workmate.runtime.MessageOutcome;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.Readiness;
import io.workmate.server.service.ServiceControl;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workmate's HTTP API: mode and messages, and (when the service runs the job queue) jobs,
 * approvals, readiness, metrics and the OpenAPI document. JSON in and out; every error is
 * {@code {"error": {"code", "message"}}} with a status that says what is wrong. When an API token
 * is configured every route but {@code /v1/health} and {@code /v1/ready} needs
 * {@code Authorization: Bearer <token>}.
 *
 * <p>Every route is an {@link Endpoint}; the router and {@code /v1/openapi.json} are both made
 * from the one list.
 */
public final class HttpApi extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration MESSAGE_TIMEOUT = Duration.ofMinutes(5);

  /**
   * The job queue side of the service.
   *
   * @param defaultMaxAttempts a job's attempts when its request names none
   * @param defaultTimeoutSeconds one attempt's limit when its request names none
   * @param metrics the registry the dispatcher (and the service gauges) report to
   * @param journal the journal's last health check
   */
  public record Jobs(ActorRef<JobDispatcher.Command> dispatcher, int defaultMaxAttempts,
      int defaultTimeoutSeconds, PrometheusMeterRegistry metrics,
      Supplier<JournalHealth.State> journal) {}

  private final ActorSystem<?> system;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final Optional<byte[]> token;
  private final Optional<Jobs> jobs;
  private final Optional<ActorRef<io.workmate.registry.AgentRegistry.Command>> agents;
  private final Optional<Memory> memory;
  private final Optional<ServiceControl> service;
  private final List<Endpoint> endpoints;
  /** Endpoints by path template, in declaration order; one template may have several methods. */
  private final Map<String, List<Endpoint>> byTemplate = new LinkedHashMap<>();
  private final Map<String, Pattern> patterns = new LinkedHashMap<>();
  private final String openApi;

  /** Mode and messages only (no job queue). */
  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token) {
    this(system, runtime, token, Optional.empty());
  }

  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token, Optional<Jobs> jobs) {
    this(system, runtime, token, jobs, Optional.empty());
  }

  /** With the agent registry's routes ({@code /v1/agents...}) when {@code agents} is given. */
  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token, Optional<Jobs> jobs,
      Optional<ActorRef<io.workmate.registry.AgentRegistry.Command>> agents) {
    this(system, runtime, token, jobs, agents, Optional.empty());
  }

  /** Agent memory: its directory, and the cloud sync when a remote gateway is configured. */
  public record Memory(ActorRef<io.workmate.memory.MemoryDirectory.Command> directory,
      Optional<ActorRef<io.workmate.memory.MemorySyncs.Command>> sync) {}

  /** With the registry's and the memory routes when given. */
  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token, Optional<Jobs> jobs,
      Optional<ActorRef<io.workmate.registry.AgentRegistry.Command>> agents,
      Optional<Memory> memory) {
    this(system, runtime, token, jobs, agents, memory, Optional.empty());
  }

  /**
   * As a service: with {@code /v1/status} and {@code /v1/admin/drain}, and the routes that stop
   * admitting work while {@code service} drains (submits and messages answer 503, readiness
   * goes 503, event streams end with a {@code stopping} event).
   */
  public HttpApi(ActorSystem<?> system, ActorRef<RuntimeSupervisor.Command> runtime,
      Secret token, Optional<Jobs> jobs,
      Optional<ActorRef<io.workmate.registry.AgentRegistry.Command>> agents,
      Optional<Memory> memory, Optional<ServiceControl> service) {
    this.system = system;
    this.service = service;
    this.agents = agents;
    this.memory = memory;
    this.runtime = runtime;
    this.token = token.isEmpty() ? Optional.empty()
        : Optional.of(token.reveal().getBytes(StandardCharsets.UTF_8));
    this.jobs = jobs;
    this.endpoints = List.copyOf(endpoints());
    for (Endpoint endpoint : this.endpoints) {
      byTemplate.computeIfAbsent(endpoint.template(), t -> new ArrayList<>()).add(endpoint);
      patterns.putIfAbsent(endpoint.template(), endpoint.pathPattern());
    }
    this.openApi = OpenApi.document(this.endpoints,
        io.workmate.codex.WorkmateVersion.current()).toString();
  }

  /** Every endpoint the router serves (what {@code /v1/openapi.json} describes). */
  public List<String> describedRoutes() {
    return endpoints.stream().map(e -> e.method() + " " + e.template()).toList();
  }

  private List<Endpoint> endpoints() {
    List<Endpoint> list = new ArrayList<>();
    list.add(endpoint("GET", "/v1/health", "Liveness: mode and journal state").open()
        .responds(200, "{\"status\": \"ok\", \"mode\", \"state\", \"journal\"?}")
        .handle(ids -> health()));
    list.add(endpoint("GET", "/v1/ready", "Readiness: 200 once the job queue is recovered "
        + "and the journal answers").open()
        .responds(200, "{\"ready\": true}")
        .responds(503, "{\"ready\": false, \"reason\"}")
        .handle(ids -> ready()));
    list.add(endpoint("GET", "/v1/openapi.json", "This document")
        .responds(200, "OpenAPI 3.0")
        .handle(ids -> complete(HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi)))));
    list.add(endpoint("GET", "/v1/mode", "The requested and effective mode, with the gateways")
        .responds(200, "{\"requested\", \"effective\", \"capabilities\", \"state\", "
            + "\"since\", \"gateways\"}")
        .handle(ids -> onSuccess(askState(), state -> ok(modeJson(state)))));
    list.add(endpoint("PUT", "/v1/mode", "Request a mode")
        .body(OpenApi.modeSchema())
        .responds(200, "the new state")
        .responds(400, "malformed body or unknown mode")
        .handle(ids -> entity(Unmarshaller.entityToString(), this::changeMode)));
    list.add(endpoint("POST", "/v1/messages", "Run one message: on the gateway when online and "
        + "preferred, else a local Codex turn")
        .body(OpenApi.messageSchema())
        .responds(200, "{\"route\", \"ok\", \"text\", \"error\"?, \"note\"?}")
        .responds(400, "malformed body")
        .handle(ids -> entity(Unmarshaller.entityToString(), this::sendMessage)));
    jobs.ifPresent(services -> {
      list.add(endpoint("GET", "/metrics", "Prometheus text format: jobs by status, queue "
          + "depth, attempts, latencies, codex processes and threads, mode")
          .responds(200, "text/plain; version=0.0.4")
          .handle(ids -> complete(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.TEXT_PLAIN_UTF8, services.metrics().scrape())))));
      list.addAll(new JobRoutes(system, services.dispatcher(),
          new JobRequests.Defaults(services.defaultMaxAttempts(),
              services.defaultTimeoutSeconds()), Clock.systemUTC(),
          service.map(ServiceControl::signal)).endpoints());
      service.ifPresent(control -> list.addAll(new AdminRoutes(system, control,
          token.isPresent(), services.dispatcher(), runtime, services.journal()).endpoints()));
      list.addAll(new ApprovalRoutes(system, services.dispatcher()).endpoints());
    });
    memory.ifPresent(m -> list.addAll(
        new MemoryRoutes(system, m.directory(), m.sync()).endpoints()));
    agents.ifPresent(registry -> list.addAll(new AgentRoutes(system, registry).endpoints()));
    return list;
  }

  public Route routes() {
    return handleExceptions(errors(), () -> handleRejections(rejections(), () ->
        withSizeLimit(MAX_BODY_BYTES, () -> extractUri(uri -> dispatch(uri.path())))));
  }

  /** The endpoints whose template matches {@code path}; the method picks among them. */
  private Route dispatch(String path) {
    for (Map.Entry<String, List<Endpoint>> group : byTemplate.entrySet()) {
      Matcher matcher = patterns.get(group.getKey()).matcher(path);
      if (!matcher.matches()) {
        continue;
      }
      List<String> values = new ArrayList<>();
      for (int i = 1; i <= matcher.groupCount(); i++) {
        values.add(matcher.group(i));
      }
      List<Route> methods = new ArrayList<>();
      boolean open = true;
      for (Endpoint endpoint : group.getValue()) {
        open &= endpoint.open();
        methods.add(method(HttpMethods.lookup(endpoint.method()).orElseThrow(),
            () -> endpoint.handler().apply(values)));
      }
      Route route = concat(methods.get(0), methods.subList(1, methods.size())
          .toArray(new Route[0]));
      return open ? route : authenticated(() -> route);
    }
    return reject();
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route health() {
    return onSuccess(askState(), state -> {
      ObjectNode body = Responses.JSON.createObjectNode();
      body.put("status", "ok");
      body.put("mode", state.effective().wire());
      body.put("state", state.state());
      jobs.ifPresent(services -> body.set("journal", journalJson(services.journal().get())));
      return ok(body);
    });
  }

  private static ObjectNode journalJson(JournalHealth.State journal) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("kind", journal.kind());
    node.put("state", journal.ok() ? "ok" : "unavailable");
    if (!journal.ok()) {
      node.put("detail", journal.detail());
    }
    node.put("checkedAt", journal.checkedAt().toString());
    return node;
  }

  private Route ready() {
    if (jobs.isEmpty()) {
      return onSuccess(askState(), state -> ok(readyJson(true, null)));
    }
    Jobs services = jobs.get();
    CompletionStage<JobDispatcher.Stats> stats = Asks.<JobDispatcher.Command,
        JobDispatcher.Stats>ask(system, services.dispatcher(), JobDispatcher.GetStats::new,
        READY_TIMEOUT).exceptionally(failure -> null);
    return onSuccess(stats, answer -> {
      String reason = Readiness.notReadyReason(answer, services.journal().get(), draining())
          .orElse(null);
      return complete(Responses.json(reason == null ? 200 : 503, readyJson(reason == null,
          reason)));
    });
  }

  private static ObjectNode readyJson(boolean ready, String reason) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("ready", ready);
    if (reason != null) {
      node.put("reason", reason);
    }
    return node;
  }

  private Route changeMode(String body) {
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, Set.of("mode"));
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
    CompletionStage<RuntimeSupervisor.RuntimeState> changed = Asks.ask(system, runtime,
        replyTo -> new RuntimeSupervisor.SetMode(requested, replyTo), ASK_TIMEOUT);
    return onSuccess(changed, state -> ok(modeJson(state)));
  }

  private Route sendMessage(String body) {
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, Set.of("prompt", "preferOnline"));
    JsonNode prompt = request.get("prompt");
    if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
      throw new ApiError(400, "invalid_request", "\"prompt\" must be a non-empty string");
    }
    JsonNode prefer = request.get("preferOnline");
    if (prefer != null && !prefer.isBoolean()) {
      throw new ApiError(400, "invalid_request", "\"preferOnline\" must be true or false");
    }
    boolean preferOnline = prefer == null || prefer.asBoolean();
    if (draining()) {
      return complete(Responses.unavailableWhileDraining());
    }
    CompletionStage<MessageOutcome> outcome = Asks.ask(system, runtime,
        replyTo -> new RuntimeSupervisor.SendMessage(prompt.asText(), preferOnline, replyTo),
        MESSAGE_TIMEOUT);
    // a message still running when the drain ends gets an answer, not a dropped connection
    CompletionStage<Optional<MessageOutcome>> finished = service.isEmpty()
        ? outcome.thenApply(Optional::of)
        : outcome.thenApply(Optional::of).applyToEither(
            service.get().signal().drained().thenApply(drained -> Optional.empty()), a -> a);
    return onSuccess(finished, maybe -> {
      if (maybe.isEmpty()) {
        return complete(Responses.error(503, "unavailable", "the service stopped before the "
            + "message finished; send it again once the service is back"));
      }
      MessageOutcome result = maybe.get();
      ObjectNode answer = Responses.JSON.createObjectNode();
      answer.put("route", result.route().name().toLowerCase().replace('_', '-'));
      answer.put("ok", result.ok());
      answer.put("text", result.text());
      result.error().ifPresent(error -> answer.put("error", error));
      result.note().ifPresent(note -> answer.put("note", note));
      return ok(answer);
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  private boolean draining() {
    return service.isPresent() && service.get().signal().draining();
  }

  private CompletionStage<RuntimeSupervisor.RuntimeState> askState() {
    return Asks.ask(system, runtime, RuntimeSupervisor.GetState::new, ASK_TIMEOUT);
  }

  private ObjectNode modeJson(RuntimeSupervisor.RuntimeState state) {
    ObjectNode body = Responses.JSON.createObjectNode();
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

  private Route authenticated(Supplier<Route> inner) {
    if (token.isEmpty()) {
      return inner.get();
    }
    return extractCredentials(credentials -> {
      if (credentials.isPresent() && validToken(credentials.get())) {
        return inner.get();
      }
      return complete(Responses.error(401, "unauthorized",
          "this route needs the header Authorization: Bearer <WORKMATE_API_TOKEN>"));
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
    return complete(Responses.json(200, body));
  }

  private ExceptionHandler errors() {
    return ExceptionHandler.newBuilder()
        .match(ApiError.class, e -> complete(Responses.error(e.status(), e.code(),
            e.getMessage())))
        .match(java.util.concurrent.CompletionException.class, e ->
            complete(Responses.error(503, "unavailable", "the service did not answer: "
                + e.getCause().getMessage())))
        .match(java.util.concurrent.TimeoutException.class, e ->
            complete(Responses.error(503, "unavailable", "the service did not answer in time")))
        .match(RuntimeException.class, e -> {
          // a bug, not bad input: logged here, and the client gets no stack trace
          log.error("unexpected failure in a route", e);
          return complete(Responses.error(500, "internal", "unexpected failure: "
              + e.getClass().getSimpleName()));
        })
        .build();
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejected ->
            complete(Responses.error(405, "method_not_allowed", "use "
                + String.join(" or ", rejected.stream().map(r -> r.supported().name())
                    .distinct().toList()) + " on this path")))
        .handleNotFound(complete(Responses.error(404, "not_found", "no such route")))
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
          return Responses.error(response.status().intValue(), code, message);
        });
  }
}
