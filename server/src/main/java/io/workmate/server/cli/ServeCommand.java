package io.workmate.server.cli;

import io.workmate.workspaces.Git;
import io.workmate.workspaces.WorkspaceSettings;
import com.typesafe.config.Config;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.codex.ThreadSettings;
import io.workmate.nativeos.SystemdNotifier;
import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalCorruptException;
import io.workmate.persistence.JournalKind;
import io.workmate.persistence.JournalSettings;
import io.workmate.persistence.JournalStartup;
import io.workmate.server.config.ClusterConfig;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.server.http.HttpApi;
import io.workmate.server.service.ClusterMembership;
import io.workmate.server.service.CodexLauncher;
import io.workmate.server.service.DataDirLock;
import io.workmate.server.service.DrainSignal;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.LedgerShards;
import io.workmate.server.service.ProcessHygiene;
import io.workmate.server.service.RuntimeAssembly;
import io.workmate.server.service.ServiceControl;
import io.workmate.server.service.ServiceDrain;
import io.workmate.server.service.WorkmateService;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate serve}: the long-running service with its HTTP API. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run Workmate as a service: codex pool, gateway connections, mode supervisor, "
        + "the durable job queue (on the journal) and the HTTP API. SIGTERM or Ctrl-C drains: no "
        + "new jobs, running ones finish (up to workmate.service.drain-timeout, then they are "
        + "requeued without spending an attempt), exit 0; a second one cuts the wait short. "
        + "Under systemd (NOTIFY_SOCKET) it reports READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped cleanly (in cluster mode: left the cluster)",
        "1:could not bind the HTTP port, the cluster port or the cluster management port",
        "2:invalid arguments or configuration (also: cluster mode on the embedded H2 journal, "
            + "or the node did not join the cluster within workmate.cluster.join-timeout)",
        "3:codex is missing or rejected its setup",
        "5:the journal cannot be opened (unreachable, unreadable or corrupt), or the data dir is "
            + "in use by another workmate serve",
        "6:cluster mode: the cluster stopped this node (downed by the Split Brain Resolver); "
            + "restart it to join again"})
public final class ServeCommand extends CommonOptions implements Callable<Integer> {

  /** Cluster mode: the cluster ended this node's actor system without a drain. */
  static final int REMOVED_FROM_CLUSTER = 6;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Address for the HTTP API (default: workmate.http.host, 127.0.0.1).")
  String host;

  @Option(names = "--port", paramLabel = "N",
      description = "Port for the HTTP API (default: workmate.http.port, 8420; 0 = any).")
  Integer port;

  @Override
  Map<String, String> overrides() {
    Map<String, String> overrides = super.overrides();
    if (host != null) {
      overrides.put("workmate.http.host", host);
    }
    if (port != null) {
      overrides.put("workmate.http.port", Integer.toString(port));
    }
    return overrides;
  }

  @Override
  public Integer call() {
    if (settings().cluster().enabled() && embeddedJournal()) {
      return usageError("cluster mode needs a PostgreSQL journal shared by the nodes "
          + "(workmate.journal.kind = postgres); the embedded H2 journal serves one process");
    }
    WorkmateSettings.Http http = settings().http();
    SystemdNotifier notifier = SystemdNotifier.fromEnvironment();
    notifier.warning().ifPresent(warning -> err().println("workmate: warning: " + warning));
    if (http.token().isEmpty() && !isLoopback(http.host())) {
      return usageError("refusing to serve on " + http.host() + " without an API token: set "
          + "WORKMATE_API_TOKEN (workmate.http.token), or bind to 127.0.0.1");
    }
    if (settings().workspaces().allowedRoots().isEmpty() && !isLoopback(http.host())) {
      return usageError("workmate.workspaces.allowed-roots is \"any\" while the API binds to "
          + http.host() + ": name the directories jobs' repositories may be in "
          + "(WORKMATE_WORKSPACES_ALLOWED_ROOTS), or bind to 127.0.0.1");
    }
    try {
      new Git(settings().workspaces().git()).checkVersion();
    } catch (Git.GitException e) {
      err().println("workmate: " + e.getMessage());
      return CODEX_UNAVAILABLE;
    }
    // before codex's setup, the journal or any sweep touches the data dir: a second service
    // on it must stop here, not after it disturbed the first one
    DataDirLock lock;
    try {
      lock = DataDirLock.acquire(settings().dataDir());
    } catch (DataDirLock.InUseException e) {
      err().println("workmate: " + e.getMessage());
      return DATA_DIR_UNAVAILABLE;
    } catch (IOException e) {
      err().println("workmate: cannot lock the data dir " + settings().dataDir() + " ("
          + DataDirLock.FILE_NAME + "): " + e);
      return DATA_DIR_UNAVAILABLE;
    }
    try {
      ProcessHygiene processes;
      try {
        processes = ProcessHygiene.atStart(settings().dataDir(), err());
      } catch (java.io.UncheckedIOException e) {
        err().println("workmate: cannot read the process-group registry under "
            + settings().dataDir() + ": " + e.getCause());
        return DATA_DIR_UNAVAILABLE;
      }
      return withLauncher(launcher -> serve(launcher, notifier, processes));
    } finally {
      try {
        lock.close();
      } catch (IOException e) {
        // exiting anyway: the process's end releases the lock
      }
    }
  }

  private int serve(CodexLauncher launcher, SystemdNotifier notifier,
      ProcessHygiene processes) {
    WorkmateSettings settings = settings();
    // from here on SIGTERM and Ctrl-C drain instead of exiting at once; a stop requested while
    // the service is still starting waits for the drain to exist
    CompletableFuture<ActorRef<ServiceDrain.Command>> drain = new CompletableFuture<>();
    ServiceControl control = new ServiceControl(new DrainSignal(), drain, settings.service());
    StopSignals.install(control);
    JournalSettings journal;
    try {
      journal = JournalSettings.fromConfig(config(), settings.dataDir());
    } catch (RuntimeException e) {
      return usageError("invalid journal configuration: " + e.getMessage());
    }
    WorkmateSettings.Jobs jobSettings;
    try {
      jobSettings = settings.jobs().withLedgerShards(LedgerShards.resolve(settings.dataDir(),
          settings.jobs().ledgerShards(), journalMayHoldJobs(journal)));
    } catch (LedgerShards.Mismatch e) {
      return usageError(e.getMessage());
    } catch (IOException e) {
      return usageError("cannot read or record the job ledger's shards: " + e.getMessage());
    }
    WorkmateSettings.Cluster cluster = settings.cluster();
    Config config = ClusterConfig.overlay(cluster)
        .withFallback(JournalConfig.overlay(journal)).withFallback(config());
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // the one place the service reads the system's time; everything below is handed this clock
    Clock clock = Clock.systemUTC();
    ThreadSettings baseThread = RuntimeAssembly.jobThreadSettings(settings, launcher);
    // in a cluster the jobs are sharded over the nodes; the node's name marks its own agents
    Optional<WorkmateService.ClusterNode> node = cluster.enabled()
        ? Optional.of(new WorkmateService.ClusterNode(cluster.nodeName(), cluster.jobShards()))
        : Optional.empty();
    ActorSystem<WorkmateService.Command> system;
    try {
      system = ActorSystem.create(WorkmateService.create(
          launcher.appServerSettings().withRegistration(processes), launcher.processes(),
          RuntimeAssembly.runtimeSettings(settings, launcher),
          new WorkmateService.JobsSetup(jobSettings, baseThread, metrics, clock, node,
              Optional.of(workspaceSettings(settings))),
          settings.memory()),
          ClusterConfig.SYSTEM_NAME, config);
    } catch (RuntimeException e) {
      if (cluster.enabled() && causedBy(e, java.net.BindException.class)) {
        // Artery binds while the system starts; the failed system has terminated itself
        err().println("workmate: cannot bind the cluster port " + cluster.address() + ": "
            + rootMessage(e));
        return 1;
      }
      throw e;
    }
    try {
      // creates the tables on first use; on failure it has terminated the system already
      JournalStartup.start(system);
    } catch (JournalCorruptException e) {
      err().println("workmate: " + e.getMessage());
      awaitTermination(system);
      return JOURNAL_UNAVAILABLE;
    } catch (RuntimeException e) {
      err().println("workmate: the journal (" + journal.kind().configName() + ") cannot be "
          + "opened: " + rootMessage(e));
      awaitTermination(system);
      return JOURNAL_UNAVAILABLE;
    }
    if (cluster.enabled()) {
      // the job queue and the agents start only on a member: until it is Up, this node does
      // not know which of the cluster's work is its own
      try {
        ClusterMembership.awaitUp(system, cluster).toCompletableFuture().get();
      } catch (Exception e) {
        err().println("workmate: " + (e.getCause() instanceof ClusterMembership.JoinTimeoutException
            ? e.getCause().getMessage() : "could not join the cluster: " + rootMessage(e)));
        system.terminate();
        awaitTermination(system);
        return USAGE;
      }
      if (cluster.managementPort() > 0) {
        try {
          PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          err().println("workmate: cannot start the cluster management API on " + cluster.host()
              + ":" + cluster.managementPort() + ": " + rootMessage(e));
          system.terminate();
          awaitTermination(system);
          return 1;
        }
      }
    }
    JournalHealth journalHealth = JournalHealth.start(system, journal.kind().configName(),
        clock);
    CompletableFuture<WorkmateService.Actors> started = new CompletableFuture<>();
    system.tell(new WorkmateService.Start(started));
    WorkmateSettings.Http http = settings.http();
    try {
      WorkmateService.Actors actors = started.get(30, TimeUnit.SECONDS);
      HttpApi.Jobs jobs = new HttpApi.Jobs(actors.dispatcher(),
          settings.jobs().defaultMaxAttempts(),
          (int) settings.jobs().defaultTimeout().toSeconds(), metrics, journalHealth::state,
          Optional.of(actors.jobRates()), actors.workspaces());
      ServerBinding binding = Http.get(system).newServerAt(http.host(), http.port())
          .bind(new HttpApi(system, actors.runtime(), http.token(), Optional.of(jobs),
              Optional.of(actors.agents()),
              Optional.of(new HttpApi.Memory(actors.memory(), actors.memorySync())),
              Optional.of(control)).routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      binding.addToCoordinatedShutdown(Duration.ofSeconds(10), system);
      system.tell(new WorkmateService.Serve(new WorkmateService.ServiceSetup(notifier,
          settings.service(), control.signal(), journalHealth::state, processes, clock), drain));
      out().println("Workmate listening on http://" + http.host() + ":"
          + binding.localAddress().getPort() + " (data: " + settings.dataDir() + ", journal: "
          + journal.kind().configName() + (cluster.enabled() ? ", cluster: " + cluster.nodeName()
              + " at " + ClusterMembership.selfAddress(system) : "") + ")");
      out().flush();
      CompletableFuture.anyOf(control.signal().drained().toCompletableFuture(),
          system.getWhenTerminated().toCompletableFuture()).get();
      if (control.signal().drained().toCompletableFuture().isDone()) {
        stopAfterDrain(control.signal(), binding, system, cluster.enabled());
      } else if (cluster.enabled()) {
        err().println("workmate: stopped: " + ClusterMembership.stopReason(system)
            + "; restart it to join the cluster again");
        return REMOVED_FROM_CLUSTER;
      }
      return OK;
    } catch (Exception e) {
      err().println("workmate: cannot start the HTTP API on " + http.host() + ":"
          + http.port() + ": " + rootMessage(e));
      system.terminate();
      awaitTermination(system);
      return 1;
    } finally {
      journalHealth.close();
    }
  }

  /** How long the open event streams get to send their {@code stopping} event. */
  private static final Duration STREAMS_GRACE = Duration.ofSeconds(3);
  /** How long an ended stream's last bytes get to leave before the connections close. */
  private static final Duration STREAMS_LINGER = Duration.ofMillis(300);
  /** How long answers still in flight get once the port is unbound. */
  private static final Duration ANSWERS_GRACE = Duration.ofSeconds(1);

  private void stopAfterDrain(DrainSignal signal, ServerBinding binding,
      ActorSystem<?> system, boolean clustered) throws Exception {
    DrainSignal.Drained drained = signal.drained().toCompletableFuture().get();
    if (!signal.awaitStreamsEnded(STREAMS_GRACE)) {
      err().println("workmate: warning: some event streams had not ended after "
          + STREAMS_GRACE.toSeconds() + " s; closing them");
    }
    // a stream counts as ended once its source completed; its last bytes reach the socket a
    // moment later, and terminate() closes a connection it sees idle at once (measured: the
    // client then gets a reset instead of the stopping event about one time in three)
    Thread.sleep(STREAMS_LINGER.toMillis());
    binding.terminate(ANSWERS_GRACE).toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (clustered) {
      // leave first, so the others take over this node's share at once instead of waiting
      // for the failure detector and the Split Brain Resolver; the shutdown then ends the system
      ClusterMembership.leave(system);
    } else {
      system.terminate();
    }
    awaitTermination(system);
    out().println("Workmate stopped: drained (" + drained.released() + " running job(s) "
        + "requeued without spending an attempt)");
    out().flush();
  }

  private static void awaitTermination(ActorSystem<?> system) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // exiting anyway; the JVM exit ends what is left
    }
  }

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }

  private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the journal is the embedded H2 file; a journal config it cannot read counts as not. */
  private boolean embeddedJournal() {
    try {
      return JournalSettings.fromConfig(config(), settings().dataDir()).kind() == JournalKind.H2;
    } catch (RuntimeException e) {
      return false; // serve reports the invalid journal configuration itself
    }
  }

  private static WorkspaceSettings workspaceSettings(WorkmateSettings settings) {
    WorkmateSettings.Workspaces workspaces = settings.workspaces();
    return new WorkspaceSettings(settings.dataDir().resolve("worktrees"),
        workspaces.allowedRoots(), workspaces.keepFor(), workspaces.authorName(),
        workspaces.authorEmail(), workspaces.commitMessage(), workspaces.git());
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /**
   * Whether the journal may already hold jobs: an H2 file that exists, or any PostgreSQL
   * database, which other services may have written (its data dir then keeps the legacy number
   * unless it records another).
   */
  private static boolean journalMayHoldJobs(JournalSettings journal) {
    return journal.kind() != JournalKind.H2
        || Files.exists(Path.of(journal.h2Path() + ".mv.db"));
  }
}
