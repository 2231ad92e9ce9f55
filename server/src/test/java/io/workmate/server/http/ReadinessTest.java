package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.service.JournalHealth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/ready} says 503 with the reason while the queue is being recovered, when the journal
 * stops answering, or when the dispatcher does not answer; {@code /v1/health} stays 200 and
 * reports the journal.
 */
class ReadinessTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final HttpClient client = HttpClient.newHttpClient();

  @TempDir static Path dir;
  private static ActorTestKit testKit;
  private static final AtomicBoolean recovering = new AtomicBoolean(true);
  private static final AtomicReference<JournalHealth.State> journal = new AtomicReference<>(
      new JournalHealth.State("h2", true, "", Instant.now()));
  private static ServerBinding answering;
  private static ServerBinding silent;

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create("readiness");
    ActorRef<JobDispatcher.Command> stats = testKit.spawn(Behaviors.receive(
        JobDispatcher.Command.class).onMessage(JobDispatcher.GetStats.class, get -> {
          get.replyTo().tell(new JobStats(Map.<JobStatus, Long>of(), Map.of(),
              Map.of(), recovering.get(), false));
          return Behaviors.same();
        }).build());
    ActorRef<JobDispatcher.Command> mute =
        testKit.<JobDispatcher.Command>createTestProbe().ref();
    ActorRef<RuntimeSupervisor.Command> runtime = testKit.spawn(RuntimeSupervisor.create(
        RuntimeSettings.of(Mode.OFFLINE, Optional.empty(), Optional.empty(),
            ThreadSettings.defaults(dir)), testKit.<CodexPool.Command>createTestProbe().ref()));
    answering = bind(runtime, stats);
    silent = bind(runtime, mute);
  }

  private static ServerBinding bind(ActorRef<RuntimeSupervisor.Command> runtime,
      ActorRef<JobDispatcher.Command> dispatcher) throws Exception {
    HttpApi api = new HttpApi(testKit.system(), runtime, new Secret("a-token"), Optional.of(
        new HttpApi.Jobs(dispatcher, 3, 600, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            journal::get)));
    return Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(api.routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> get(ServerBinding binding, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + binding.localAddress().getPort() + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyFollowsRecoveryAndTheJournal() throws Exception {
    recovering.set(true);
    HttpResponse<String> whileRecovering = get(answering, "/v1/ready");
    assertEquals(503, whileRecovering.statusCode());
    JsonNode body = json.readTree(whileRecovering.body());
    assertFalse(body.path("ready").asBoolean());
    assertTrue(body.path("reason").asText().contains("recovering"), whileRecovering.body());

    recovering.set(false);
    assertEquals(200, get(answering, "/v1/ready").statusCode());

    journal.set(new JournalHealth.State("h2", false, "connection refused", Instant.now()));
    try {
      HttpResponse<String> journalDown = get(answering, "/v1/ready");
      assertEquals(503, journalDown.statusCode());
      assertTrue(journalDown.body().contains("the journal does not answer: connection refused"),
          journalDown.body());
      HttpResponse<String> health = get(answering, "/v1/health");
      assertEquals(200, health.statusCode(), "liveness is not readiness");
      assertEquals("unavailable", json.readTree(health.body()).path("journal").path("state")
          .asText());
    } finally {
      journal.set(new JournalHealth.State("h2", true, "", Instant.now()));
    }
  }

  @Test
  void aDispatcherThatDoesNotAnswerIsNotReady() throws Exception {
    HttpResponse<String> response = get(silent, "/v1/ready");
    assertEquals(503, response.statusCode());
    assertTrue(response.body().contains("the job dispatcher does not answer"), response.body());
  }
}
