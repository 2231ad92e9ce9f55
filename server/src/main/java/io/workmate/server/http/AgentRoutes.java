package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.AgentRegistration;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.RegisteredAgent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

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
 * {@code malformed_json} and {@code unknown_field}. {@link HttpApi} mounts its operations inside
 * its authentication; {@link #routes()} serves them alone.
 */
public final class AgentRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ActorRef<AgentRegistry.Command> registry;
  private final Executor executor;
  /** Where each agent's load (attempts running on it) comes from, when the service has jobs. */
  private final Optional<ActorRef<JobDispatcher.Command>> jobs;

  public AgentRoutes(ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry) {
    this(system, registry, Optional.empty());
  }

  /** With each agent's {@code running} attempts, asked of {@code jobs}. */
  public AgentRoutes(ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry,
      Optional<ActorRef<JobDispatcher.Command>> jobs) {
    this.system = system;
    this.registry = registry;
    this.executor = system.executionContext();
    this.jobs = jobs;
  }

  /** These routes alone (no token), answering errors in the API's shape. */
  public Route routes() {
    return Router.served("the agent registry", Router.route(operations(), UnaryOperator.identity()));
  }

  /** The operations {@link HttpApi} mounts (inside its auth) and documents. */
  List<Operation> operations() {
    return List.of(
        Operation.get("/v1/agents", "Registered agents, or those offering all the given "
                + "capabilities")
            .query("capability", "string", "a capability the agent must offer "
                + "(comma-separated or repeated)")
            .responds(200, "{\"agents\": [...]}", Agents.class)
            .responds(400, "a malformed capability")
            .route(() -> parameterList("capability", this::listAgents)),
        Operation.post("/v1/agents", "Register an agent")
            .responds(201, "registered", AgentView.class)
            .responds(200, "the same registration again (counts as a heartbeat)",
                AgentView.class)
            .responds(400, "malformed or invalid registration")
            .responds(409, "another registration under this id, or the registry is full")
            .body(RequestBodies.RegisterAgent.class, this::register),
        Operation.get("/v1/agents/{id}", "One agent")
            .responds(200, "the agent with registeredAt, lastHeartbeatAt, expiresAt",
                AgentView.class)
            .responds(400, "a malformed agent id")
            .responds(404, "no such agent")
            .route(this::showAgent),
        Operation.delete("/v1/agents/{id}", "Deregister an agent")
            .responds(200, "{\"deregistered\": {...}}", Deregistered.class)
            .responds(400, "a malformed agent id")
            .responds(404, "no such agent")
            .route(this::deregister),
        Operation.post("/v1/agents/{id}/heartbeat", "Keep an agent alive")
            .responds(200, "the agent with its new expiresAt", AgentView.class)
            .responds(400, "a malformed agent id")
            .responds(404, "no such agent (or it expired)")
            .route(this::heartbeat));
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
    return onSuccess(agents.thenCombine(load(), (found, running) -> new Agents(
        found.agents().stream().map(agent -> AgentView.of(agent, running)).toList())),
        body -> Responses.json(200, body));
  }

  private Route register(RequestBodies.RegisterAgent body) {
    AgentRegistration.Request request = body.toRequest();
    return answer(ask(replyTo -> new AgentRegistry.Register(request, replyTo)));
  }

  private Route showAgent(String id) {
    checkId(id);
    CompletionStage<AgentRegistry.Reply> reply =
        ask(replyTo -> new AgentRegistry.GetAgent(id, replyTo));
    return onSuccess(reply.thenCombine(load(), (found, running) ->
        found instanceof AgentRegistry.Reply.Current current
            ? Optional.of(AgentView.of(current.agent(), running)) : Optional.<AgentView>empty()),
        view -> view.isPresent() ? Responses.json(200, view.get()) : answer(reply));
  }

  /**
   * Attempts running per agent, or empty when the service runs no jobs or the dispatcher did
   * not answer (the agents are still listed, without their load).
   */
  private CompletionStage<Optional<Map<String, Integer>>> load() {
    if (jobs.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
    }
    return Asks.<JobDispatcher.Command, JobStats>ask(system, jobs.get(),
            JobDispatcher.GetStats::new, ASK_TIMEOUT)
        .thenApply(stats -> Optional.of(stats.runningByAgent()))
        .exceptionally(failure -> Optional.empty());
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
        return Responses.json(registered.created() ? 201 : 200,
            AgentView.of(registered.agent()));
      }
      if (result instanceof AgentRegistry.Reply.Current current) {
        return Responses.json(200, AgentView.of(current.agent()));
      }
      if (result instanceof AgentRegistry.Reply.Removed removed) {
        return Responses.json(200, new Deregistered(AgentView.of(removed.agent())));
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

  // --- JSON ---------------------------------------------------------------------------------

  /** {@code GET /v1/agents}. */
  record Agents(List<AgentView> agents) {}

  /** {@code DELETE /v1/agents/{id}}. */
  record Deregistered(AgentView deregistered) {}

  /**
   * An agent as the API shows it; {@code expiresAt} null: never. {@code running}: its load, the
   * attempts running on it now (against {@code maxConcurrent}), in listings and {@code GET}.
   */
  record AgentView(String id, String kind, List<String> capabilities, int maxConcurrent,
      int rateLimitPerMinute, @JsonInclude(JsonInclude.Include.NON_NULL) String endpoint,
      @JsonInclude(JsonInclude.Include.NON_NULL) String model,
      @JsonInclude(JsonInclude.Include.NON_NULL) String cwd, long ttlSeconds,
      String registeredAt, String lastHeartbeatAt, String expiresAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer running) {

    static AgentView of(RegisteredAgent agent, Optional<Map<String, Integer>> load) {
      AgentView view = of(agent);
      return load.isEmpty() ? view : new AgentView(view.id(), view.kind(), view.capabilities(),
          view.maxConcurrent(), view.rateLimitPerMinute(), view.endpoint(), view.model(),
          view.cwd(), view.ttlSeconds(), view.registeredAt(), view.lastHeartbeatAt(),
          view.expiresAt(), load.get().getOrDefault(view.id(), 0));
    }

    static AgentView of(RegisteredAgent agent) {
      AgentRegistration registration = agent.registration();
      Instant expiresAt = agent.expiresAt();
      return new AgentView(registration.id(), registration.kind().wireName(),
          List.copyOf(new TreeSet<>(registration.profile().capabilities())),
          registration.profile().maxConcurrent(), registration.profile().rateLimitPerMinute(),
          registration.endpoint(), registration.model(), registration.cwd(),
          registration.ttl().toSeconds(), agent.registeredAt().toString(),
          agent.lastHeartbeatAt().toString(), expiresAt == null ? null : expiresAt.toString(),
          null);
    }
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
}
