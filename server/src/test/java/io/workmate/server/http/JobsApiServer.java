package io.workmate.server.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.testkit.H2TestJournal;
import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.EchoAgent;
import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.ServiceGauges;
import io.workmate.support.Backoff;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The job API as {@code serve} runs it, minus codex: a real ActorSystem on a real H2 journal file,
 * the real dispatcher with the echo agent and the {@link TestAgents}, real HTTP on 127.0.0.1.
 */
final class JobsApiServer implements AutoCloseable {

  static final String TOKEN = "jobs-api-token";
  /** Retries come quickly so dead letters arrive within a test. */
  static final Backoff FAST_BACKOFF = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200),
      2.0, 0.1);

  final ActorTestKit testKit;
  final ActorRef<JobDispatcher.Command> dispatcher;
  final PrometheusMeterRegistry metrics;
  final JournalHealth journal;
  final ServerBinding binding;
  final HttpApi api;
  /** Completing it lets every job on the "gate" agent succeed. */
  final java.util.concurrent.CompletableFuture<Void> gate =
      new java.util.concurrent.CompletableFuture<>();
  private final HttpClient client = HttpClient.newHttpClient();

  /** What a test adds: agents, and the codex pool the runtime and the gauges ask. */
  interface Extras {
    Optional<ActorRef<CodexPool.Command>> pool(ActorTestKit testKit);

    List<AgentSpec> agents(Optional<ActorRef<CodexPool.Command>> pool);
  }

  private static final Extras NONE = new Extras() {
    @Override
    public Optional<ActorRef<CodexPool.Command>> pool(ActorTestKit testKit) {
      return Optional.empty();
    }

    @Override
    public List<AgentSpec> agents(Optional<ActorRef<CodexPool.Command>> pool) {
      return List.of();
    }
  };

  private JobsApiServer(Path dir, Extras extras) throws Exception {
    testKit = H2TestJournal.start("jobs-api", dir.resolve("journal/workmate"));
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Optional<ActorRef<CodexPool.Command>> pool = extras.pool(testKit);
    List<AgentHandle> agents = new ArrayList<>();
    agents.add(handle("echo", AgentKind.ECHO, Set.of("echo"), 16, EchoAgent.create()));
    agents.add(handle("hold", AgentKind.HTTP, Set.of("hold"), 1, TestAgents.holding()));
    agents.add(handle("gate", AgentKind.HTTP, Set.of("gate"), 1, TestAgents.gated(gate)));
    agents.add(handle("fail", AgentKind.HTTP, Set.of("fail"), 4, TestAgents.failing()));
    agents.add(handle("asker", AgentKind.HTTP, Set.of("asks"), 1, TestAgents.asking()));
    for (AgentSpec extra : extras.agents(pool)) {
      agents.add(handle(extra.profile().id(), extra.profile().kind(),
          extra.profile().capabilities(), extra.profile().maxConcurrent(), extra.behavior()));
    }
    dispatcher = testKit.spawn(JobDispatcher.create(
        JobDispatcherSettings.of(FAST_BACKOFF, agents, metrics)), "jobs");
    // without a pool the runtime only answers health and mode: no gateway, no codex is asked
    ActorRef<CodexPool.Command> codex = pool.orElseGet(
        () -> testKit.<CodexPool.Command>createTestProbe().ref());
    ActorRef<RuntimeSupervisor.Command> runtime = testKit.spawn(RuntimeSupervisor.create(
        RuntimeSettings.of(Mode.OFFLINE, Optional.empty(), Optional.empty(),
            ThreadSettings.defaults(dir)), codex), "runtime");
    testKit.spawn(ServiceGauges.create(codex, runtime, metrics), "gauges");
    journal = JournalHealth.start(testKit.system(), "h2", java.time.Clock.systemUTC());
    api = new HttpApi(testKit.system(), runtime, new Secret(TOKEN), Optional.of(
        new HttpApi.Jobs(dispatcher, 3, 600, metrics, journal::state, Optional.of(testKit.spawn(
            io.workmate.server.service.JobRates.create(dispatcher, java.time.Clock.systemUTC()),
            "job-rates")), Optional.empty())));
    binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(api.routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** An agent a test adds (the codex agent in the end-to-end test). */
  record AgentSpec(AgentProfile profile, Behavior<Agent.Command> behavior) {}

  static JobsApiServer start(Path dir) throws Exception {
    return new JobsApiServer(dir, NONE);
  }

  static JobsApiServer start(Path dir, Extras extras) throws Exception {
    return new JobsApiServer(dir, extras);
  }

  private AgentHandle handle(String id, AgentKind kind, Set<String> capabilities,
      int maxConcurrent, Behavior<Agent.Command> behavior) {
    return new AgentHandle(new AgentProfile(id, kind, capabilities, maxConcurrent, 0),
        testKit.spawn(behavior, "agent-" + id));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
  }

  /** A request with the bearer token. */
  HttpResponse<String> call(String method, String path, String body) throws Exception {
    return call(method, path, body, "Authorization", "Bearer " + TOKEN);
  }

  HttpResponse<String> call(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpClient client() {
    return client;
  }

  @Override
  public void close() {
    journal.close();
    testKit.shutdownTestKit();
  }
}
