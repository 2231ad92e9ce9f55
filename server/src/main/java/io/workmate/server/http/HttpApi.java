package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.gateway.GatewayStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.runtime.Capability;
import io.workmate.runtime.MessageOutcome;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.service.ClusterMembership;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.Readiness;
import io.workmate.server.service.ServiceControl;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Workmate's HTTP API: mode and messages, and (when the service runs the job queue) jobs,
 * approvals, readiness, metrics and the OpenAPI document. JSON in and out; every error is
 * {@code {"error": {"code", "message"}}} with a status that says what is wrong. When an API token
 * is configured every route but {@code /v1/health} and {@code /v1/ready} needs
 * {@code Authorization: Bearer <token>}.
 *
 * <p>Every route is an {@link Operation}: the routing tree ({@link Router}, Pekko HTTP's
 * directives) and {@code /v1/openapi.json} ({@link OpenApi}) are both made from the one list,
 * and request bodies bind to the records in {@link RequestBodies}.
 */
public final class HttpApi extends AllDirectives {

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
   * @param rates the jobs finished per minute ({@code GET /v1/stats}), when kept
   * @param workspaces the job workspaces (git worktrees), when the service has them
   */
  public record Jobs(ActorRef<JobDispatcher.Command> dispatcher, int defaultMaxAttempts,
      int defaultTimeoutSeconds, PrometheusMeterRegistry metrics,
      Supplier<JournalHealth.State> journal,
      Optional<ActorRef<io.workmate.server.service.JobRates.Command>> rates,
      Optional<ActorRef<io.workmate.workspaces.Workspaces.Command>> workspaces) {

    /** Without the rates ({@code GET /v1/stats} answers an empty window) nor workspaces. */
    public Jobs(ActorRef<JobDispatcher.Command> dispatcher, int defaultMaxAttempts,
        int defaultTimeoutSeconds, PrometheusMeterRegistry metrics,
        Supplier<JournalHealth.State> journal) {
      this(dispatcher, defaultMaxAttempts, defaultTimeoutSeconds, metrics, journal,
          Optional.empty(), Optional.empty());
    }
  }

  private final ActorSystem<?> system;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final Optional<byte[]> token;
  private final Optional<Jobs> jobs;
  private final Optional<ActorRef<io.workmate.registry.AgentRegistry.Command>> agents;
  private final Optional<Memory> memory;
  private final Optional<ServiceControl> service;
  private final List<Operation> operations;
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
    this.operations = List.copyOf(operations());
    this.openApi = OpenApi.document(this.operations,
        io.workmate.codex.WorkmateVersion.current()).toString();
  }

  /** Every operation the router serves (what {@code /v1/openapi.json} describes). */
  public List<String> describedRoutes() {
    return operations.stream().map(e -> e.method() + " " + e.template()).toList();
  }

  /** The OpenAPI document this API serves at {@code /v1/openapi.json}. */
  public String openApiDocument() {
    return openApi;
  }

  private List<Operation> operations() {
    List<Operation> list = new ArrayList<>();
    list.add(Operation.get("/v1/health", "Liveness: mode and journal state").open()
        .responds(200, "{\"status\": \"ok\", \"mode\", \"state\", \"journal\"?}",
            Health.class)
        .route(this::health));
    list.add(Operation.get("/v1/ready", "Readiness: 200 once the job queue is recovered "
        + "and the journal answers").open()
        .responds(200, "{\"ready\": true}", Ready.class)
        .responds(503, "{\"ready\": false, \"reason\"}", Ready.class)
        .route(this::ready));
    list.add(Operation.get("/v1/openapi.json", "This document")
        .responds(200, "OpenAPI 3.0")
        .route(() -> complete(HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.APPLICATION_JSON, openApi)))));
    list.add(Operation.get("/v1/mode", "The requested and effective mode, with the gateways "
            + "(in a cluster: of the node that answers, named in node)")
        .responds(200, "{\"requested\", \"effective\", \"capabilities\", \"state\", "
            + "\"since\", \"gateways\", \"node\"?}", ModeView.class)
        .route(() -> onSuccess(askState(), state -> Responses.json(200, modeView(state)))));
    list.add(Operation.put("/v1/mode", "Request a mode")
        .responds(200, "the new state", ModeView.class)
        .body(RequestBodies.ChangeMode.class, this::changeMode));
    list.add(Operation.post("/v1/messages", "Run one message: on the gateway when online and "
        + "preferred, else a local Codex turn")
        .responds(200, "{\"route\", \"ok\", \"text\", \"error\"?, \"note\"?}",
            MessageAnswer.class)
        .responds(503, "the service is draining (draining, with Retry-After) or stopped "
            + "before the message finished")
        .body(RequestBodies.SendMessage.class, this::sendMessage));
    jobs.ifPresent(services -> {
      list.add(Operation.get("/metrics", "Prometheus text format: jobs by status, queue "
          + "depth, attempts, latencies, codex processes and threads, mode")
          .responds(200, "text/plain; version=0.0.4")
          .route(() -> complete(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.TEXT_PLAIN_UTF8, services.metrics().scrape())))));
      list.addAll(new JobRoutes(system, services.dispatcher(),
          new RequestBodies.Defaults(services.defaultMaxAttempts(),
              services.defaultTimeoutSeconds()), Clock.systemUTC(),
          service.map(ServiceControl::signal), services.workspaces()).operations());
      service.ifPresent(control -> list.addAll(new AdminRoutes(system, control,
          token.isPresent(), services.dispatcher(), runtime, services.journal()).operations()));
      list.addAll(new ApprovalRoutes(system, services.dispatcher()).operations());
      list.addAll(new StatsRoutes(system, services.dispatcher(), services.rates())
          .operations());
    });
    memory.ifPresent(m -> list.addAll(
        new MemoryRoutes(system, m.directory(), m.sync()).operations()));
    agents.ifPresent(registry -> list.addAll(new AgentRoutes(system, registry,
        jobs.map(Jobs::dispatcher)).operations()));
    return list;
  }

  /** The whole API, built once. */
  public Route routes() {
    return Router.served("the service", concat(new DashboardRoutes().route(),
        Router.route(operations, this::authenticated)));
  }

  // --- routes ---------------------------------------------------------------------------------

  private Route health() {
    return onSuccess(askState(), state -> Responses.json(200, new Health("ok",
        state.effective().wire(), state.state(),
        jobs.map(services -> Health.Journal.of(services.journal().get()))
            .orElse((Health.Journal) null))));
  }

  /** {@code GET /v1/health}. */
  record Health(String status, String mode, String state,
      @JsonInclude(JsonInclude.Include.NON_NULL) Journal journal) {
    record Journal(String kind, String state,
        @JsonInclude(JsonInclude.Include.NON_NULL) String detail, String checkedAt) {
      static Journal of(JournalHealth.State journal) {
        return new Journal(journal.kind(), journal.ok() ? "ok" : "unavailable",
            journal.ok() ? null : journal.detail(), journal.checkedAt().toString());
      }
    }
  }

  private Route ready() {
    if (jobs.isEmpty()) {
      return onSuccess(askState(), state -> Responses.json(200, new Ready(true, null)));
    }
    Jobs services = jobs.get();
    CompletionStage<JobStats> stats = Asks.<JobDispatcher.Command,
        JobStats>ask(system, services.dispatcher(), JobDispatcher.GetStats::new,
        READY_TIMEOUT).exceptionally(failure -> null);
    return onSuccess(stats, answer -> {
      String reason = Readiness.notReadyReason(answer, services.journal().get(), draining(),
          ClusterMembership.notUpReason(system)).orElse(null);
      return Responses.json(reason == null ? 200 : 503, new Ready(reason == null, reason));
    });
  }

  /** {@code GET /v1/ready}. */
  record Ready(boolean ready, @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {}

  private Route changeMode(RequestBodies.ChangeMode request) {
    Mode requested;
    try {
      requested = Mode.parse(request.mode());
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "invalid_mode", e.getMessage());
    }
    CompletionStage<RuntimeSupervisor.RuntimeState> changed = Asks.ask(system, runtime,
        replyTo -> new RuntimeSupervisor.SetMode(requested, replyTo), ASK_TIMEOUT);
    return onSuccess(changed, state -> Responses.json(200, modeView(state)));
  }

  private Route sendMessage(RequestBodies.SendMessage request) {
    boolean preferOnline = request.preferOnline() == null || request.preferOnline();
    if (draining()) {
      return complete(Responses.unavailableWhileDraining());
    }
    CompletionStage<MessageOutcome> outcome = Asks.ask(system, runtime,
        replyTo -> new RuntimeSupervisor.SendMessage(request.prompt(), preferOnline, replyTo),
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
      return Responses.json(200, MessageAnswer.of(maybe.get()));
    });
  }

  /** {@code POST /v1/messages}. */
  record MessageAnswer(String route, boolean ok, String text,
      @JsonInclude(JsonInclude.Include.NON_NULL) String error,
      @JsonInclude(JsonInclude.Include.NON_NULL) String note) {
    static MessageAnswer of(MessageOutcome result) {
      return new MessageAnswer(result.route().name().toLowerCase().replace('_', '-'),
          result.ok(), result.text(), result.error().orElse(null),
          result.note().orElse(null));
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  private boolean draining() {
    return service.isPresent() && service.get().signal().draining();
  }

  private CompletionStage<RuntimeSupervisor.RuntimeState> askState() {
    return Asks.ask(system, runtime, RuntimeSupervisor.GetState::new, ASK_TIMEOUT);
  }

  /** The mode of this node: in a cluster each node has its own, and says its name. */
  private ModeView modeView(RuntimeSupervisor.RuntimeState state) {
    return ModeView.of(state, ClusterMembership.nodeName(system).orElse(null));
  }

  /** {@code GET /v1/mode}, and the answer to {@code PUT /v1/mode}. */
  record ModeView(String requested, String effective, List<String> capabilities, String state,
      String since, List<Gateway> gateways,
      @com.fasterxml.jackson.annotation.JsonInclude(
          com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String node) {
    record Gateway(String name, String url, String state, String detail, String since) {}

    static ModeView of(RuntimeSupervisor.RuntimeState state, String node) {
      List<String> capabilities = new ArrayList<>();
      for (Capability capability : Capability.values()) {
        if (state.capabilities().contains(capability)) {
          capabilities.add(capability.wire());
        }
      }
      List<Gateway> gateways = new ArrayList<>();
      for (GatewayStatus gateway : state.gateways()) {
        gateways.add(new Gateway(gateway.name(), gateway.url().toString(),
            gateway.state().name().toLowerCase(), gateway.detail(),
            gateway.since().toString()));
      }
      return new ModeView(state.requested().wire(), state.effective().wire(), capabilities,
          state.state(), state.since().toString(), gateways, node);
    }
  }

  private Route authenticated(Route inner) {
    if (token.isEmpty()) {
      return inner;
    }
    return extractCredentials(credentials -> {
      if (credentials.isPresent() && validToken(credentials.get())) {
        return inner;
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
}
