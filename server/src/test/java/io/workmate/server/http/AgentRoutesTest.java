package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.testkit.H2TestJournal;
import io.workmate.agents.AgentKind;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code /v1/agents} on a real binding, with the registry on a real H2 journal behind it. */
class AgentRoutesTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final HttpClient client = HttpClient.newHttpClient();

  /** The system clock, moved on by the test instead of sleeping. */
  private static final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);
  private static final Clock clock = new Clock() {
    @Override
    public Instant instant() {
      return Instant.now().plus(ahead.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("the test clock stays in UTC");
    }
  };

  private static ActorTestKit testKit;
  private static ServerBinding binding;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    testKit = H2TestJournal.start("agent-routes", dir.resolve("journal/workmate"));
    ActorRef<AgentRegistry.Command> registry = testKit.spawn(AgentRegistry.create("default",
        AgentFactories.standard().with(AgentKind.CODEX, registration -> Behaviors.ignore()),
        clock));
    binding = bind(testKit, registry);
  }

  static ServerBinding bind(ActorTestKit testKit, ActorRef<AgentRegistry.Command> registry)
      throws Exception {
    return Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(new AgentRoutes(testKit.system(), registry).routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + binding.localAddress().getPort() + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body)).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static String httpAgent(String id, String capabilities) {
    return "{\"id\":\"" + id + "\",\"kind\":\"http\",\"capabilities\":" + capabilities
        + ",\"maxConcurrent\":3,\"endpoint\":\"http://127.0.0.1:9/run\",\"ttlSeconds\":120}";
  }

  private static JsonNode errorOf(HttpResponse<String> response) throws Exception {
    assertTrue(response.headers().firstValue("content-type").orElse("")
        .startsWith("application/json"), response.headers().toString());
    return json.readTree(response.body()).path("error");
  }

  private static List<String> ids(HttpResponse<String> response) throws Exception {
    List<String> ids = new ArrayList<>();
    json.readTree(response.body()).path("agents").forEach(a -> ids.add(a.path("id").asText()));
    return ids;
  }

  @Test
  void registerThenTheSameAgainThenOtherSettingsIs201Then200Then409() throws Exception {
    HttpResponse<String> created = call("POST", "/v1/agents",
        httpAgent("reg-1", "[\"java\",\"review\"]"));
    assertEquals(201, created.statusCode(), created.body());
    JsonNode agent = json.readTree(created.body());
    assertEquals("reg-1", agent.path("id").asText());
    assertEquals("http", agent.path("kind").asText());
    assertEquals("[\"java\",\"review\"]", agent.path("capabilities").toString());
    assertEquals(3, agent.path("maxConcurrent").asInt());
    assertEquals(120, agent.path("ttlSeconds").asLong());
    assertEquals(Instant.parse(agent.path("registeredAt").asText()).plusSeconds(120),
        Instant.parse(agent.path("expiresAt").asText()));

    HttpResponse<String> again = call("POST", "/v1/agents",
        httpAgent("reg-1", "[\"review\",\"java\"]"));
    assertEquals(200, again.statusCode(), again.body());

    HttpResponse<String> conflict = call("POST", "/v1/agents", httpAgent("reg-1", "[\"go\"]"));
    assertEquals(409, conflict.statusCode(), conflict.body());
    assertEquals("conflict", errorOf(conflict).path("code").asText());
    assertTrue(errorOf(conflict).path("message").asText().contains("capabilities"),
        conflict.body());
  }

  @Test
  void getListDiscoverDeleteAndHeartbeat() throws Exception {
    assertEquals(201, call("POST", "/v1/agents", httpAgent("cap-a", "[\"x1\",\"y1\"]"))
        .statusCode());
    assertEquals(201, call("POST", "/v1/agents", httpAgent("cap-b", "[\"x1\"]")).statusCode());
    assertEquals(201, call("POST", "/v1/agents",
        "{\"id\":\"cap-c\",\"kind\":\"codex\",\"capabilities\":[\"x1\",\"y1\",\"z1\"]}")
        .statusCode());

    assertEquals(List.of("cap-a", "cap-b", "cap-c"),
        ids(call("GET", "/v1/agents?capability=x1", null)));
    assertEquals(List.of("cap-a", "cap-c"),
        ids(call("GET", "/v1/agents?capability=x1,y1", null)));
    assertEquals(List.of("cap-a", "cap-c"),
        ids(call("GET", "/v1/agents?capability=x1&capability=y1", null)));
    assertEquals(List.of(), ids(call("GET", "/v1/agents?capability=nobody-has-it", null)));
    assertTrue(ids(call("GET", "/v1/agents", null)).containsAll(List.of("cap-a", "cap-b",
        "cap-c")));

    HttpResponse<String> one = call("GET", "/v1/agents/cap-c", null);
    assertEquals(200, one.statusCode(), one.body());
    assertTrue(json.readTree(one.body()).path("expiresAt").isNull(), "codex: no TTL");
    assertEquals(0, json.readTree(one.body()).path("ttlSeconds").asLong());

    String before = json.readTree(call("GET", "/v1/agents/cap-a", null).body())
        .path("expiresAt").asText();
    ahead.updateAndGet(offset -> offset.plusSeconds(1));
    HttpResponse<String> beat = call("POST", "/v1/agents/cap-a/heartbeat", null);
    assertEquals(200, beat.statusCode(), beat.body());
    assertTrue(Instant.parse(json.readTree(beat.body()).path("expiresAt").asText())
        .isAfter(Instant.parse(before)), beat.body());

    HttpResponse<String> deleted = call("DELETE", "/v1/agents/cap-b", null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals("cap-b", json.readTree(deleted.body()).path("deregistered").path("id")
        .asText());
    assertEquals(404, call("DELETE", "/v1/agents/cap-b", null).statusCode());
    assertEquals(List.of("cap-a", "cap-c"), ids(call("GET", "/v1/agents?capability=x1", null)));
  }

  @Test
  void unknownIdsAre404() throws Exception {
    for (String[] request : new String[][] {{"GET", "/v1/agents/ghost"},
        {"DELETE", "/v1/agents/ghost"}, {"POST", "/v1/agents/ghost/heartbeat"}}) {
      HttpResponse<String> response = call(request[0], request[1], null);
      assertEquals(404, response.statusCode(), request[0] + " " + request[1]);
      assertEquals("not_found", errorOf(response).path("code").asText());
      assertTrue(errorOf(response).path("message").asText().contains("'ghost'"));
    }
  }

  static Stream<Arguments> badRegistrations() {
    String longId = "a".repeat(65);
    return Stream.of(
        Arguments.of("{\"id\":\"Bad Id\",\"kind\":\"codex\"}", "invalid", "invalid agent id"),
        Arguments.of("{\"id\":\"-lead\",\"kind\":\"codex\"}", "invalid", "invalid agent id"),
        Arguments.of("{\"id\":\"" + longId + "\",\"kind\":\"codex\"}", "invalid",
            "invalid agent id"),
        Arguments.of("{\"kind\":\"codex\"}", "invalid", "\"id\" is required"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"capabilities\":[\"Java 17\"]}",
            "invalid", "invalid capability 'Java 17'"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"capabilities\":[\"\"]}", "invalid",
            "invalid capability ''"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"capabilities\":\"java\"}", "invalid",
            "must be an array of strings"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"capabilities\":[1]}", "invalid",
            "must be an array of strings"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"robot\"}", "invalid", "unknown agent kind 'robot'"),
        Arguments.of("{\"id\":\"a\"}", "invalid", "\"kind\" is required"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"http\"}", "invalid", "needs an \"endpoint\""),
        Arguments.of("{\"id\":\"a\",\"kind\":\"http\",\"endpoint\":\"ws://127.0.0.1:1\"}",
            "invalid", "http:// or https://"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"gateway\"}", "invalid", "no OpenClaw gateway"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"maxConcurrent\":\"two\"}", "invalid",
            "must be a whole number"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"maxConcurrent\":0}", "invalid",
            "maxConcurrent must be at least 1"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"ttlSeconds\":1.5}", "invalid",
            "ttlSeconds"),
        Arguments.of("{\"id\":\"a\",\"kind\":\"codex\",\"colour\":\"red\"}", "unknown_field",
            "unknown field \"colour\""),
        Arguments.of("{\"id\":\"a\",", "malformed_json", "not valid JSON"),
        Arguments.of("[1,2]", "malformed_json", "must be a JSON object"));
  }

  @ParameterizedTest
  @MethodSource("badRegistrations")
  void badRegistrationsAreEachAClear400(String body, String code, String message)
      throws Exception {
    HttpResponse<String> response = call("POST", "/v1/agents", body);

    assertEquals(400, response.statusCode(), response.body());
    JsonNode error = errorOf(response);
    assertEquals(code, error.path("code").asText(), response.body());
    assertTrue(error.path("message").asText().contains(message), response.body());
  }

  @Test
  void invalidIdsInThePathAndBadCapabilityFiltersAre400() throws Exception {
    for (String[] request : new String[][] {{"GET", "/v1/agents/Bad%20Id"},
        {"DELETE", "/v1/agents/UPPER"}, {"POST", "/v1/agents/no%2Fslash/heartbeat"},
        {"GET", "/v1/agents?capability=Not%20Valid"}, {"GET", "/v1/agents?capability=a,,b"}}) {
      HttpResponse<String> response = call(request[0], request[1], null);
      assertEquals(400, response.statusCode(), request[0] + " " + request[1] + ": "
          + response.body());
      assertEquals("invalid", errorOf(response).path("code").asText());
    }
  }
}
