package io.workmate.server.service;

import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.AgentRegistration;
import io.workmate.agents.CodexAgent;
import io.workmate.agents.EchoAgent;
import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.gateway.GatewayConnection;
import io.workmate.jobs.cluster.JobShardHost;
import io.workmate.jobs.cluster.JobShards;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.cluster.ClusterAgents;
import io.workmate.server.config.WorkmateSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import io.workmate.support.BlockingThreads;
import io.workmate.workspaces.Workspaces;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Turns {@code workmate.jobs} into the job dispatcher, the agent registry and the built-in
 * agents registered in it (which the registry passes on to the dispatcher).
 */
public final class JobsAssembly {

  /** The local codex agent: a job that names no agent and asks for these runs on it. */
  public static final AgentIds CODEX = new AgentIds("codex", Set.of("code", "local"));
  /** The no-op agent of {@code workmate.jobs.echo-agent = on}. */
  public static final AgentIds ECHO = new AgentIds("echo", Set.of("echo"));
  /** The echo agent costs nothing per invocation; its limit only bounds a runaway client. */
  static final int ECHO_MAX_CONCURRENT = 256;
  /** How long the job front waits for the cluster's registry when a shard lacks an agent. */
  static final Duration SHARED_AGENT_LOOKUP = Duration.ofSeconds(3);

  public record AgentIds(String id, Set<String> capabilities) {}

  /** What the service hands to the HTTP API; {@code agentsReady} once the built-ins are in. */
  record Spawned(ActorRef<JobDispatcher.Command> dispatcher,
      ActorRef<AgentRegistry.Command> registry, CompletableFuture<Void> agentsReady,
      Optional<ActorRef<Workspaces.Command>> workspaces) {}

  /** The gateway of the current mode, and how long a run waits for a lost link to return. */
  record Gateway(ActorRef<GatewayConnection.Command> link, Duration reattachWindow) {}

  private JobsAssembly() {}

  static Spawned spawn(ActorContext<?> context, ActorRef<CodexPool.Command> codex,
      Optional<Gateway> gateway, WorkmateService.JobsSetup setup) {
    WorkmateSettings.Jobs jobs = setup.jobs();
    JobDispatcherSettings dispatcherSettings =
        JobDispatcherSettings.of(jobs.backoff(), List.of(), setup.metrics())
            .withClock(setup.clock())
            .withDefaultAgent(CODEX.id())
            .withLedgerWriteInterval(jobs.ledgerWriteInterval());
    // the workspaces' sweep asks the dispatcher about jobs, and the dispatcher's attempts ask
    // the workspaces for worktrees: the dispatcher is named to the sweep once it exists
    AtomicReference<ActorRef<JobDispatcher.Command>> jobsRef = new AtomicReference<>();
    Optional<ActorRef<Workspaces.Command>> workspaces = setup.workspaces().map(settings ->
        context.spawn(Workspaces.create(settings, WorkspaceOwners.lookup(context.getSystem(),
            jobsRef), setup.clock()), "workspaces",
            BlockingThreads.dispatcher(context.getSystem())));
    if (workspaces.isPresent()) {
      dispatcherSettings = dispatcherSettings.withWorkspaces(workspaces.get());
    }
    Optional<WorkmateService.ClusterNode> node = setup.cluster();
    // in a cluster the front routes into the shards; a node hosts some of them
    ActorRef<JobDispatcher.Command> dispatcher = node.isPresent()
        ? context.spawn(JobShards.create(dispatcherSettings, node.get().jobShards(),
            context.spawn(JobShardHost.create(), "job-shard-host"), agentId ->
                ClusterAgents.isShared(context.getSystem(), agentId, SHARED_AGENT_LOOKUP)),
            "jobs")
        : context.spawn(JobDispatcher.create(
            dispatcherSettings.withLedgerShards(jobs.ledgerShards())), "jobs");
    jobsRef.set(dispatcher);
    AgentFactories factories = AgentFactories.standard()
        .with(AgentKind.CODEX, registration ->
            CodexAgent.create(codex, threadSettings(setup.baseThread(), registration)))
        .with(AgentKind.ECHO, registration -> EchoAgent.create());
    if (gateway.isPresent()) {
      // without a configured gateway, registering a gateway agent is refused with a reason
      factories = factories.withGateway(gateway.get().link(), gateway.get().reattachWindow());
    }
    // a node's registry is its own (its agents run there), journaled under the node's name; the
    // API reaches the cluster's agents through the cluster's front
    ActorRef<AgentRegistry.Command> registry = context.spawn(node.isPresent()
        ? AgentRegistry.create(node.get().name(), factories, setup.clock())
        : AgentRegistry.create(factories), "agent-registry");
    ActorRef<AgentRegistry.Command> agents = node.isPresent()
        ? context.spawn(ClusterAgents.create(node.get().name(), registry, factories,
            setup.clock()), "agents")
        : registry;
    String suffix = node.map(n -> "@" + n.name()).orElse("");
    List<AgentRegistration> builtins = new ArrayList<>();
    builtins.add(AgentRegistration.of(new AgentProfile(CODEX.id() + suffix, AgentKind.CODEX,
        CODEX.capabilities(), jobs.maxConcurrent(), jobs.rateLimitPerMinute()), null, null, null));
    if (jobs.echoAgent()) {
      builtins.add(AgentRegistration.of(new AgentProfile(ECHO.id() + suffix, AgentKind.ECHO,
          ECHO.capabilities(), ECHO_MAX_CONCURRENT, 0), null, null, null));
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    context.spawn(BuiltinAgents.create(registry, dispatcher, builtins, ready), "builtin-agents");
    return new Spawned(dispatcher, agents, ready, workspaces);
  }

  /**
   * A registered codex agent's thread: the service's, with the agent's cwd and model, and its id,
   * so the pool runs it on the agent's own app-server when the agent has command limits.
   */
  static ThreadSettings threadSettings(ThreadSettings base, AgentRegistration registration) {
    ThreadSettings settings = base.forAgent(registration.id());
    if (registration.model() != null) {
      settings = settings.withModel(registration.model());
    }
    if (registration.cwd() != null) {
      settings = settings.withCwd(Path.of(registration.cwd()).toAbsolutePath().normalize());
    }
    return settings;
  }
}
