package io.workmate.server.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.CodexAgent;
import io.workmate.codex.CodexFixture;
import io.workmate.codex.CodexPool;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end over HTTP with the real codex binary behind the codex agent, against the scripted
 * provider: submit, the SSE feed shows the Codex items as they stream, the job succeeds with the
 * model's text, and the metrics count the live codex process.
 */
class JobsApiCodexTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void aCodexJobStreamsItsItemsAndSucceedsWithTheText() throws Exception {
    try (CodexFixture codex = CodexFixture.start(dir);
        JobsApiServer server = JobsApiServer.start(dir, new JobsApiServer.Extras() {
          @Override
          public Optional<ActorRef<CodexPool.Command>> pool(ActorTestKit testKit) {
            return Optional.of(testKit.spawn(CodexPool.create(1, codex.appServerSettings()),
                "codex"));
          }

          @Override
          public List<JobsApiServer.AgentSpec> agents(
              Optional<ActorRef<CodexPool.Command>> pool) {
            return List.of(new JobsApiServer.AgentSpec(new AgentProfile("codex",
                AgentKind.CODEX, Set.of("code", "local"), 2, 0),
                CodexAgent.create(pool.orElseThrow(), codex.threadSettings("jobs"))));
          }
        })) {
      HttpResponse<String> submitted = server.call("POST", "/v1/jobs", "{\"prompt\":"
          + "\"[[delay:150]][[chunks:6]][[reply:hello from a codex job]]\","
          + "\"capabilities\":[\"code\"]}");
      assertEquals(202, submitted.statusCode(), submitted.body());
      String id = json.readTree(submitted.body()).path("id").asText();

      List<ServerSentEvents.Event> events;
      try (ServerSentEvents stream = new ServerSentEvents(server.client(),
          server.uri("/v1/jobs/" + id + "/events"), JobsApiServer.TOKEN)) {
        events = stream.untilEnd(WAIT);
      }
      String streamed = events.stream().filter(e -> e.name().equals("item"))
          .filter(e -> e.data().path("type").asText().equals("agent_message_delta"))
          .map(e -> e.data().path("data").path("delta").asText())
          .collect(Collectors.joining());
      assertEquals("hello from a codex job", streamed, events.toString());
      assertTrue(events.stream().anyMatch(e -> e.name().equals("item")
          && e.data().path("type").asText().equals("item_completed")), events.toString());
      assertTrue(events.stream().anyMatch(e -> e.name().equals("status")
          && e.data().path("status").asText().equals("running")), events.toString());
      JsonNode end = events.get(events.size() - 1).data();
      assertEquals("succeeded", end.path("status").asText());
      assertEquals("hello from a codex job", end.path("result").path("text").asText());
      assertEquals("codex", end.path("agent").asText());
      assertTrue(!end.path("threadId").asText().isEmpty(), end.toString());

      JsonNode job = json.readTree(server.call("GET", "/v1/jobs/" + id, null).body());
      assertEquals("succeeded", job.path("status").asText());
      assertEquals(1, job.path("attempts").asInt());

      // the gauges are polled every 5 s; the process is live until the pool stops
      AtomicReference<String> scraped = new AtomicReference<>("");
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> {
            scraped.set(server.call("GET", "/metrics", null).body());
            assertTrue(scraped.get().contains("workmate_codex_processes 1.0"), scraped.get());
          });
      String metrics = scraped.get();
      assertTrue(metrics.contains("workmate_job_attempts_total{outcome=\"succeeded\"} 1.0")
          || metrics.contains("workmate_job_attempts_total{outcome=\"succeeded\""), metrics);
    }
  }
}
