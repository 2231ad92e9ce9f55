package io.workmate.server.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.testkit.H2TestJournal;
import io.workmate.gateway.GatewayConnection;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemorySyncSettings;
import io.workmate.memory.MemorySyncs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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

/** The memory routes on a real binding, with memory on the H2 file journal (sync offline). */
class MemoryRoutesTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final HttpClient client = HttpClient.newHttpClient();

  private static ActorTestKit kit;
  private static ServerBinding binding;

  @TempDir static Path root;

  @BeforeAll
  static void start() throws Exception {
    kit = H2TestJournal.start("memory-routes", root.resolve("journal/workmate"));
    ActorRef<MemoryDirectory.Command> directory = kit.spawn(MemoryDirectory.create());
    ActorRef<GatewayConnection.Command> noGateway = kit.spawn(Behaviors.ignore());
    ActorRef<MemorySyncs.Command> syncs = kit.spawn(MemorySyncs.create(
        MemorySyncSettings.defaults(), directory, noGateway, Optional.empty()));
    binding = Http.get(kit.system()).newServerAt("127.0.0.1", 0)
        .bind(new MemoryRoutes(kit.system(), directory, Optional.of(syncs)).routes())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void postedEntriesGetSeqsAndGetFiltersBySubstringTagsAfterAndLimit() throws Exception {
    String agent = "routes-a";
    assertEquals(1, post(agent, "{\"kind\":\"note\",\"text\":\"Build is green\",\"tags\":[\"ci\"]}")
        .path("entry").path("seq").asLong());
    post(agent, "{\"kind\":\"fact\",\"text\":\"Deploy at noon\",\"tags\":[\"ops\",\"ci\"]}");
    post(agent, "{\"kind\":\"summary\",\"text\":\"green tea\"}");
    JsonNode fourth = post(agent, "{\"kind\":\"fact\",\"text\":\"two cores\",\"tags\":[\"ci\"]}");
    assertEquals(4, fourth.path("entry").path("seq").asLong());
    assertEquals("fact", fourth.path("entry").path("kind").asText());

    assertEquals(List.of(1L, 2L, 3L, 4L), seqs(get("/v1/agents/" + agent + "/memory")));
    assertEquals(List.of(1L, 3L), seqs(get("/v1/agents/" + agent + "/memory?q=GREEN")));
    assertEquals(List.of(2L), seqs(get("/v1/agents/" + agent + "/memory?tag=ci&tag=ops")));
    assertEquals(List.of(4L), seqs(get("/v1/agents/" + agent + "/memory?tag=ci&after=2")));
    JsonNode page = get("/v1/agents/" + agent + "/memory?after=1&limit=2");
    assertEquals(List.of(2L, 3L), seqs(page));
    assertEquals(3, page.path("nextAfter").asLong());
    assertEquals(4, page.path("lastSeq").asLong());
    assertFalse(get("/v1/agents/" + agent + "/memory?after=2&limit=2").has("nextAfter"));
  }

  @Test
  void badInputIsAClear4xxInTheApiErrorFormat() throws Exception {
    String path = "/v1/agents/routes-b/memory";
    assertError(400, "invalid", send("POST", path, "{\"kind\":\"diary\",\"text\":\"x\"}"));
    assertError(400, "invalid", send("POST", path, "{\"kind\":\"note\",\"text\":\"\"}"));
    assertError(400, "invalid", send("POST", path, "{\"kind\":\"note\"}"));
    assertError(400, "invalid", send("POST", path,
        "{\"kind\":\"note\",\"text\":\"x\",\"tags\":\"ci\"}"));
    assertError(413, "too_large", send("POST", path,
        "{\"kind\":\"note\",\"text\":\"" + "x".repeat(16 * 1024 + 1) + "\"}"));
    assertError(400, "unknown_field", send("POST", path,
        "{\"kind\":\"note\",\"text\":\"x\",\"seq\":5}"));
    assertError(400, "malformed_json", send("POST", path, "{\"kind\":"));
    assertError(400, "invalid_agent_id", send("POST", "/v1/agents/-bad/memory",
        "{\"kind\":\"note\",\"text\":\"x\"}"));
    assertError(400, "invalid_agent_id", send("GET", "/v1/agents/a%20b/memory", null));
    assertError(400, "invalid_request", send("GET", path + "?limit=0", null));
    assertError(400, "invalid_request", send("GET", path + "?after=soon", null));
    assertEquals(0, seqs(get(path)).size(), "nothing was stored by the bad requests");
  }

  @Test
  void syncStatusListsLocalAndSyncedSeqPerAgent() throws Exception {
    post("routes-c", "{\"kind\":\"note\",\"text\":\"one\"}");
    post("routes-c", "{\"kind\":\"note\",\"text\":\"two\"}");

    AtomicReference<JsonNode> listed = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> {
          listed.set(null);
          for (JsonNode candidate : get("/v1/memory/sync").path("agents")) {
            // the agent's sync reads its acknowledged seq from the journal first ("recovering")
            if (candidate.path("agentId").asText().equals("routes-c")
                && candidate.path("localSeq").asLong() == 2
                && !candidate.path("state").asText().equals("recovering")) {
              listed.set(candidate);
            }
          }
          assertTrue(listed.get() != null, "routes-c with localSeq 2 is listed, its sync "
              + "recovered");
        });
    JsonNode agent = listed.get();
    assertTrue(agent != null, "routes-c with localSeq 2 is listed, its sync recovered");
    assertEquals(0, agent.path("syncedSeq").asLong());
    assertEquals(2, agent.path("pending").asLong());
    assertEquals("offline", agent.path("state").asText());
    assertEquals("main", agent.path("target").asText());
    assertTrue(agent.path("lastError").isNull());
  }

  // --- helpers --------------------------------------------------------------------------------

  private static JsonNode post(String agent, String body) throws Exception {
    HttpResponse<String> response = send("POST", "/v1/agents/" + agent + "/memory", body);
    assertEquals(201, response.statusCode(), response.body());
    return json.readTree(response.body());
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = send("GET", path, null);
    assertEquals(200, response.statusCode(), response.body());
    return json.readTree(response.body());
  }

  private static HttpResponse<String> send(String method, String path, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + binding.localAddress().getPort() + path)).timeout(Duration.ofSeconds(20));
    request = body == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
        : request.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(int status, String code, HttpResponse<String> response)
      throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json.readTree(response.body()).path("error");
    assertEquals(code, error.path("code").asText(), response.body());
    assertFalse(error.path("message").asText().isBlank(), response.body());
  }

  private static List<Long> seqs(JsonNode page) {
    List<Long> seqs = new ArrayList<>();
    page.path("entries").forEach(entry -> seqs.add(entry.path("seq").asLong()));
    return seqs;
  }
}
