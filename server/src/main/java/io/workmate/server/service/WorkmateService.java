package io.workmate.server.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.gateway.GatewayConnection;
import io.workmate.runtime.GatewayRouter;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemorySyncSettings;
import io.workmate.memory.MemorySyncs;
import io.workmate.nativeos.SystemdNotifier;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of {@code workmate serve}: the codex pool, the runtime supervisor (which owns the
 * gateway connections), the agents and the job dispatcher, and the gauges of {@code /metrics}.
 * It waits for {@link Start}, sent once the journal is known to work, because the dispatcher
 * reads the journal as soon as it exists.
 */
public final class WorkmateService {

  /** How long an orphan of a dead app-server may live before the sweep kills it. */
  private static final java.time.Duration ORPHAN_SWEEP_INTERVAL = java.time.Duration.ofSeconds(2);

  public sealed interface Command {}

  /** Spawns everything and completes {@code started} with the refs the HTTP API needs. */
  public record Start(CompletableFuture<Actors> started) implements Command {}

  /**
   * Sent once the HTTP API is bound: spawns the drain (the graceful stop) and, under systemd,
   * the watchdog that reports readiness, liveness and status. Completes {@code drain} with the
   * drain's ref, which the signal handlers and {@code POST /v1/admin/drain} tell.
   */
  public record Serve(ServiceSetup setup, CompletableFuture<ActorRef<ServiceDrain.Command>> drain)
      implements Command {}

  /**
   * @param notifier systemd's notify socket (silent without {@code NOTIFY_SOCKET})
   * @param settings {@code workmate.service}
   * @param signal the drain's progress, shared with the HTTP API and the main thread
   * @param journal the journal's last health check
   * @param processes the process-group registry and orphan sweep
   * @param clock the service's clock: the drain's and the watchdog's times
   */
  public record ServiceSetup(SystemdNotifier notifier,
      WorkmateSettings.Service settings, DrainSignal signal,
      Supplier<JournalHealth.State> journal, ProcessHygiene processes, Clock clock) {}

  /** The top-level actors, for the HTTP API. */
  public record Actors(ActorRef<CodexPool.Command> codex,
      ActorRef<RuntimeSupervisor.Command> runtime,
      ActorRef<JobDispatcher.Command> dispatcher,
      ActorRef<io.workmate.registry.AgentRegistry.Command> agents,
      ActorRef<MemoryDirectory.Command> memory,
      Optional<ActorRef<MemorySyncs.Command>> memorySync,
      ActorRef<JobRates.Command> jobRates,
      Optional<ActorRef<io.workmate.workspaces.Workspaces.Command>> workspaces) {}

  /**
   * @param jobs {@code workmate.jobs}
   * @param baseThread the settings of a codex job's thread (its cwd when the job names none)
   * @param metrics where the dispatcher and the service gauges report
   * @param clock the service's clock: stamps job events, computes retries and deadlines
   * @param cluster this node's part in a cluster, or empty for a service on its own
   */
  public record JobsSetup(WorkmateSettings.Jobs jobs, ThreadSettings baseThread,
      MeterRegistry metrics, Clock clock, Optional<ClusterNode> cluster,
      Optional<io.workmate.workspaces.WorkspaceSettings> workspaces) {
    public JobsSetup(WorkmateSettings.Jobs jobs, ThreadSettings baseThread,
        MeterRegistry metrics, Clock clock) {
      this(jobs, baseThread, metrics, clock, Optional.empty());
    }

    public JobsSetup(WorkmateSettings.Jobs jobs, ThreadSettings baseThread,
        MeterRegistry metrics, Clock clock, Optional<ClusterNode> cluster) {
      this(jobs, baseThread, metrics, clock, cluster, Optional.empty());
    }
  }

  /**
   * A node of a cluster: its name (its agents' ids end in {@code @<node>}, its agent registry is
   * its own) and the job ledger's shards, the same on every node.
   */
  public record ClusterNode(String name, int jobShards) {}

  private WorkmateService() {}

  public static Behavior<Command> create(AppServerSettings codexSettings, int processes,
      RuntimeSettings runtimeSettings, JobsSetup jobsSetup, WorkmateSettings.Memory memory) {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, start -> Behaviors.setup(context -> {
          ActorRef<CodexPool.Command> codex =
              context.spawn(CodexPool.create(processes, codexSettings), "codex");
          ActorRef<RuntimeSupervisor.Command> runtime =
              context.spawn(RuntimeSupervisor.create(runtimeSettings, codex), "runtime");
          // gateway agents and memory sync reach the gateway of the current mode through this
          Optional<ActorRef<GatewayConnection.Command>> gateway =
              runtimeSettings.local().isPresent() || runtimeSettings.remote().isPresent()
                  ? Optional.of(context.spawn(GatewayRouter.create(runtime), "gateway"))
                  : Optional.empty();
          JobsAssembly.Spawned jobs = JobsAssembly.spawn(context, codex,
              gateway.map(link -> new JobsAssembly.Gateway(link, runtimeSettings.reattachWindow())),
              jobsSetup);
          context.spawn(ServiceGauges.create(codex, runtime, jobsSetup.metrics()), "gauges");
          // in a cluster an agent's memory is a sharded entity: one writer, reached from any node
          boolean clustered = jobsSetup.cluster().isPresent();
          ActorRef<MemoryDirectory.Command> memoryDirectory = context.spawn(
              clustered ? MemoryDirectory.sharded() : MemoryDirectory.create(), "memory");
          jobs.dispatcher().tell(new JobDispatcher.SubscribeFinished(
              context.spawn(JobSummaries.create(memoryDirectory), "job-summaries")));
          ActorRef<JobRates.Command> jobRates = context.spawn(
              JobRates.create(jobs.dispatcher(), jobsSetup.clock()), "job-rates");
          // cloud memory exists only in the remote mode: no remote gateway, no sync
          Optional<ActorRef<MemorySyncs.Command>> memorySync = runtimeSettings.remote().map(
              remote -> {
                Behavior<MemorySyncs.Command> syncs = MemorySyncs.withOwnConnection(
                    MemorySyncSettings.defaults().withTargets(memory.targets(),
                        memory.defaultTarget()), memoryDirectory, remote, Optional.of(runtime));
                // in a cluster one sync for all: each agent's offsets have one writer
                return clustered ? MemorySyncs.singleton(context, syncs, memoryDirectory)
                    : context.spawn(syncs, "memory-sync");
              });
          Actors actors = new Actors(codex, runtime, jobs.dispatcher(), jobs.registry(),
              memoryDirectory, memorySync, jobRates, jobs.workspaces());
          // the API opens once the built-in agents can take jobs (or says why they cannot)
          jobs.agentsReady().whenComplete((ok, failure) -> {
            if (failure != null) {
              start.started().completeExceptionally(failure);
            } else {
              start.started().complete(actors);
            }
          });
          return serving(context, actors);
        }))
        .build();
  }

  private static Behavior<Command> serving(
      ActorContext<Command> context, Actors actors) {
    return Behaviors.receive(Command.class)
        .onMessage(Serve.class, serve -> {
          ServiceSetup setup = serve.setup();
          Clock clock = setup.clock();
          ActorRef<ServiceDrain.Command> drain = context.spawn(ServiceDrain.create(
              actors.dispatcher(), setup.notifier(), setup.settings().drainTimeout(),
              setup.signal(), clock), "drain");
          if (setup.notifier().enabled()) {
            context.spawn(ServiceWatchdog.create(setup.notifier(), actors.runtime(),
                actors.dispatcher(), setup.journal(), setup.signal(),
                new ServiceWatchdog.Settings(setup.notifier().watchdogInterval(),
                    setup.settings().statusInterval()), clock), "watchdog");
          }
          context.spawn(OrphanSweeper.create(setup.processes(), ORPHAN_SWEEP_INTERVAL),
              "orphans");
          serve.drain().complete(drain);
          return Behaviors.same();
        })
        .build();
  }
}
