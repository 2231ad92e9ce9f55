package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.codex.CodexFixture;
import io.workmate.codex.CodexPool;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP API on a real binding, with the real runtime behind it (offline: no gateway). */
class HttpApiTest {

  private static final String TOKEN = "test-api-token";
  private static final ObjectMapper json = new ObjectMapper();
  private static final HttpClient client = HttpClient.newHttpClient();

  private static ActorTestKit testKit;
  private static CodexFixture codexFixture;
  private static ServerBinding open;
  private static ServerBinding guarded;

  @TempDir static Path root;

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create();
    codexFixture = CodexFixture.start(root);
    ActorRef<CodexPool.Command> codex =
        testKit.spawn(CodexPool.create(1, codexFixture.appServerSettings()));
    ActorRef<RuntimeSupervisor.Command> runtime = testKit.spawn(RuntimeSupervisor.create(
        RuntimeSettings.of(Mode.AUTO, Optional.empty(), Optional.empty(),
            codexFixture.threadSettings("http")), codex));
    open = bind(new HttpApi(testKit.system(), runtime, new Secret("")));
    guarded = bind(new HttpApi(testKit.system(), runtime, new Secret(TOKEN)));
  }

  private static ServerBinding bind(HttpApi api) throws Exception {
    return Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(api.routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    codexFixture.close();
  }

  private static HttpResponse<String> call(ServerBinding binding, String method, String path,
      String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + binding.localAddress().getPort() + path)).timeout(Duration.ofSeconds(120))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void getModeDescribesTheRuntime() throws Exception {
    HttpResponse<String> response = call(open, "GET", "/v1/mode", null);

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json.readTree(response.body());
    assertEquals("auto", body.path("requested").asText());
    assertEquals("offline", body.path("effective").asText());
    assertEquals("code-agent", body.path("capabilities").get(0).asText());
    assertEquals("Offline", body.path("state").asText());
    assertTrue(body.path("gateways").isArray());
    assertTrue(response.headers().firstValue("content-type").orElse("")
        .startsWith("application/json"));
  }

  @Test
  void putModeChangesTheRequestedMode() throws Exception {
    HttpResponse<String> response = call(open, "PUT", "/v1/mode", "{\"mode\":\"local\"}");

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("local", json.readTree(response.body()).path("requested").asText());
    assertEquals("local", json.readTree(call(open, "GET", "/v1/mode", null).body())
        .path("requested").asText());
    call(open, "PUT", "/v1/mode", "{\"mode\":\"auto\"}");
  }

  @Test
  void aMessageRunsOnLocalCodexWhileOffline() throws Exception {
    HttpResponse<String> response = call(open, "POST", "/v1/messages",
        "{\"prompt\":\"[[reply:answered offline]]\"}");

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json.readTree(response.body());
    assertEquals("local-codex", body.path("route").asText());
    assertTrue(body.path("ok").asBoolean());
    assertEquals("answered offline", body.path("text").asText());
  }

  @Test
  void aMessageThatDeclinesTheGatewayBindsItsFlagAndRunsLocally() throws Exception {
    HttpResponse<String> response = call(open, "POST", "/v1/messages",
        "{\"prompt\":\"[[reply:kept local]]\",\"preferOnline\":false}",
        "Content-Type", "application/json");

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json.readTree(response.body());
    assertEquals("local-codex", body.path("route").asText());
    assertEquals("kept local", body.path("text").asText());
    assertTrue(!body.has("error") && !body.has("note"), "absent, not null: " + body);
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("PUT", "/v1/mode", "{not json", 400, "malformed_json"),
        Arguments.of("PUT", "/v1/mode", "[\"local\"]", 400, "malformed_json"),
        Arguments.of("PUT", "/v1/mode", "{}", 400, "invalid_request"),
        Arguments.of("PUT", "/v1/mode", "{\"mode\":3}", 400, "invalid_request"),
        Arguments.of("PUT", "/v1/mode", "{\"mode\":\"warp\"}", 400, "invalid_mode"),
        Arguments.of("PUT", "/v1/mode", "{\"mode\":\"local\",\"force\":true}", 400,
            "unknown_field"),
        Arguments.of("PUT", "/v1/mode", "{\"mode\":\"" + "x".repeat(70_000) + "\"}", 413,
            "payload_too_large"),
        Arguments.of("DELETE", "/v1/mode", null, 405, "method_not_allowed"),
        Arguments.of("GET", "/v1/nothing-here", null, 404, "not_found"),
        Arguments.of("POST", "/v1/messages", "{}", 400, "invalid_request"),
        Arguments.of("POST", "/v1/messages", "{\"prompt\":\"  \"}", 400, "invalid_request"),
        Arguments.of("POST", "/v1/messages", "{\"prompt\":\"x\",\"preferOnline\":\"yes\"}", 400,
            "invalid_request"),
        Arguments.of("POST", "/v1/messages", "{\"prompt\":\"x\",\"agent\":\"a\"}", 400,
            "unknown_field"));
  }

  @ParameterizedTest(name = "{0} {1} -> {3} {4}")
  @MethodSource("badRequests")
  void badRequestsGetAJsonErrorThatSaysWhatIsWrong(String method, String path, String body,
      int status, String code) throws Exception {
    HttpResponse<String> response = call(open, method, path, body);

    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json.readTree(response.body()).path("error");
    assertEquals(code, error.path("code").asText(), response.body());
    assertTrue(error.path("message").asText().length() > 5, response.body());
  }

  @Test
  void withATokenEveryRouteButHealthNeedsTheBearer() throws Exception {
    assertEquals(200, call(guarded, "GET", "/v1/health", null).statusCode());
    HttpResponse<String> missing = call(guarded, "GET", "/v1/mode", null);
    assertEquals(401, missing.statusCode());
    assertEquals("unauthorized", json.readTree(missing.body()).path("error").path("code")
        .asText());
    assertEquals(401, call(guarded, "GET", "/v1/mode", null, "Authorization",
        "Bearer wrong-token").statusCode());
    assertEquals(401, call(guarded, "GET", "/v1/mode", null, "Authorization",
        "Basic " + TOKEN).statusCode());
    assertEquals(200, call(guarded, "GET", "/v1/mode", null, "Authorization",
        "Bearer " + TOKEN).statusCode());
    assertTrue(!missing.body().contains(TOKEN), "the token is never echoed");
  }
}
