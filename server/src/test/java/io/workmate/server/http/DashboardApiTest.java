package io.workmate.server.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.agents.AgentKind;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * What the dashboard asks of the API: {@code GET /v1/stats}, the agent filter of
 * {@code GET /v1/jobs}, each agent's load, and event ids that let a stream resume.
 */
class DashboardApiTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path dir;
  private static JobsApiServer server;

  @BeforeAll
  static void start() throws Exception {
    server = JobsApiServer.start(dir);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void statsShowQueueDepthByPriorityRunningByAgentAndJobsFinishedPerMinute() throws Exception {
    // the class's other tests finish jobs too: this one counts what it adds
    long[] before = finished(get("/v1/stats"));
    long deadBefore = get("/v1/stats").path("byStatus").path("dead").asLong();
    String running = submit("{\"prompt\":\"holds\",\"agent\":\"hold\"}");
    awaitStatus(running, "running");
    String high = submit("{\"prompt\":\"high\",\"agent\":\"hold\",\"priority\":5}");
    String low = submit("{\"prompt\":\"low\",\"agent\":\"hold\",\"priority\":-1}");
    awaitStatus(submit("{\"prompt\":\"done\",\"agent\":\"echo\"}"), "succeeded");
    awaitStatus(submit("{\"prompt\":\"dies\",\"agent\":\"fail\",\"maxAttempts\":1}"), "dead");
    try {
      JsonNode stats = get("/v1/stats");
      assertEquals(json.readTree("{\"5\":1,\"-1\":1}"), stats.path("queuedByPriority"),
          stats.toString());
      assertEquals(2, stats.path("queued").asInt());
      assertEquals(1, stats.path("runningByAgent").path("hold").asInt(), stats.toString());
      assertEquals(deadBefore + 1, stats.path("byStatus").path("dead").asLong());
      JsonNode rates = stats.path("rates");
      assertEquals(60, rates.path("bucketSeconds").asInt());
      assertEquals(60, rates.path("buckets").size());
      long[] after = finished(stats);
      assertEquals(before[0] + 1, after[0], "succeeded: " + rates);
      assertEquals(before[1] + 1, after[1], "dead: " + rates);
      assertTrue(rates.path("buckets").get(59).path("start").asText()
          .compareTo(rates.path("buckets").get(0).path("start").asText()) > 0);
    } finally {
      for (String id : List.of(high, low, running)) {
        server.call("POST", "/v1/jobs/" + id + "/cancel", null);
      }
      awaitStatus(running, "cancelled");
    }
  }

  @Test
  void theListingFiltersByAgentAndRefusesAMalformedAgent() throws Exception {
    List<String> echoed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      echoed.add(submit("{\"prompt\":\"e" + i + "\",\"agent\":\"echo\"}"));
    }
    String other = submit("{\"prompt\":\"dies\",\"agent\":\"fail\",\"maxAttempts\":1}");
    echoed.forEach(id -> awaitStatus(id, "succeeded"));
    awaitStatus(other, "dead");

    List<String> seen = new ArrayList<>();
    String after = null;
    do {
      JsonNode page = get("/v1/jobs?agent=echo&limit=2" + (after == null ? "" : "&after=" + after));
      page.path("jobs").forEach(job -> {
        assertEquals("echo", job.path("agent").asText(), job.toString());
        seen.add(job.path("id").asText());
      });
      after = page.path("next").isNull() ? null : page.path("next").asText();
    } while (after != null);
    assertTrue(seen.containsAll(echoed), seen + " lacks some of " + echoed);
    assertTrue(!seen.contains(other));
    assertEquals(List.of(other), ids(get("/v1/jobs?agent=fail&status=dead")));

    HttpResponse<String> bad = server.call("GET", "/v1/jobs?agent=No%20Such!", null);
    assertEquals(400, bad.statusCode(), bad.body());
    JsonNode error = json.readTree(bad.body()).path("error");
    assertEquals("invalid_value", error.path("code").asText());
    assertTrue(error.path("message").asText().startsWith("agent must be"), bad.body());
  }

  @Test
  void agentsShowTheirLoadAgainstMaxConcurrent() throws Exception {
    ActorTestKit testKit = server.testKit;
    ActorRef<AgentRegistry.Command> registry = testKit.spawn(AgentRegistry.create(
        AgentFactories.standard().with(AgentKind.CODEX, registration -> Behaviors.ignore())),
        "dashboard-registry");
    ServerBinding agents = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(new AgentRoutes(testKit.system(), registry, Optional.of(server.dispatcher))
            .routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    String job = submit("{\"prompt\":\"holds\",\"agent\":\"hold\"}");
    try {
      awaitStatus(job, "running");
      URI base = URI.create("http://127.0.0.1:" + agents.localAddress().getPort());
      HttpResponse<String> registered = server.client().send(HttpRequest.newBuilder(
              base.resolve("/v1/agents")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"id\":\"hold\",\"kind\":\"codex\",\"maxConcurrent\":3}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(201, registered.statusCode(), registered.body());
      JsonNode listed = json.readTree(server.client().send(HttpRequest.newBuilder(
          base.resolve("/v1/agents")).build(), HttpResponse.BodyHandlers.ofString()).body());
      JsonNode hold = listed.path("agents").get(0);
      assertEquals("hold", hold.path("id").asText(), listed.toString());
      assertEquals(1, hold.path("running").asInt(), hold.toString());
      assertEquals(3, hold.path("maxConcurrent").asInt());
      JsonNode one = json.readTree(server.client().send(HttpRequest.newBuilder(
          base.resolve("/v1/agents/hold")).build(), HttpResponse.BodyHandlers.ofString()).body());
      assertEquals(1, one.path("running").asInt(), one.toString());
    } finally {
      server.call("POST", "/v1/jobs/" + job + "/cancel", null);
      agents.unbind();
    }
    awaitStatus(job, "cancelled");
  }

  @Test
  void aReconnectWithLastEventIdSkipsTheStatusItHasAndGetsWhatCameAfter() throws Exception {
    String job = submit("{\"prompt\":\"holds\",\"agent\":\"hold\"}");
    awaitStatus(job, "running");
    URI events = server.uri("/v1/jobs/" + job + "/events");
    String lastId;
    try (ServerSentEvents first = new ServerSentEvents(server.client(), events,
        JobsApiServer.TOKEN)) {
      ServerSentEvents.Event status = first.next(WAIT);
      assertEquals("running", status.data().path("status").asText());
      assertNotNull(status.id(), "the status event has no id");
      lastId = status.id();
    }
    try (ServerSentEvents stale = new ServerSentEvents(server.client(), events,
        JobsApiServer.TOKEN, "0-queued.0")) {
      ServerSentEvents.Event status = stale.next(WAIT);
      assertEquals("running", status.data().path("status").asText(),
          "a client that saw an older status gets the current one");
      assertEquals(lastId, status.id());
    }
    try (ServerSentEvents resumed = new ServerSentEvents(server.client(), events,
        JobsApiServer.TOKEN, lastId)) {
      // what comes first is the change after the one the client has, not "running" again
      server.call("POST", "/v1/jobs/" + job + "/cancel", null);
      List<ServerSentEvents.Event> rest = resumed.untilEnd(WAIT);
      assertEquals("cancelled", rest.get(0).data().path("status").asText(), rest.toString());
      assertNotEquals(lastId, rest.get(0).id());
      rest.forEach(event -> assertNotNull(event.id(), "no id: " + event));
    }
  }

  @Test
  void theDashboardIsServedWithoutTheTokenAndTheApiStillNeedsIt() throws Exception {
    HttpResponse<String> page = server.call("GET", "/", null, "Accept", "text/html");
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("<script type=\"module\" src=\"/ui/js/app.js\">"));
    assertTrue(page.headers().firstValue("content-security-policy").orElse("")
        .startsWith("default-src 'self'"), page.headers().toString());
    HttpResponse<String> script = server.call("GET", "/ui/js/app.js", null, "Accept", "*/*");
    assertEquals(200, script.statusCode());
    assertTrue(script.headers().firstValue("content-type").orElse("").contains("javascript"),
        script.headers().toString());

    HttpResponse<String> missing = server.call("GET", "/ui/js/nope.js", null, "Accept", "*/*");
    assertEquals(404, missing.statusCode(), missing.body());
    assertEquals("not_found", json.readTree(missing.body()).path("error").path("code").asText());
    HttpResponse<String> unknown = server.call("POST", "/v1/nope", "{}");
    assertEquals(404, unknown.statusCode(), "an unknown API route stays a 404: " + unknown.body());
    assertEquals(401, server.call("GET", "/v1/stats", null, "Accept", "*/*").statusCode());
  }

  // --- helpers --------------------------------------------------------------------------------

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = server.call("GET", path, null);
    assertEquals(200, response.statusCode(), response.body());
    return json.readTree(response.body());
  }

  /** Succeeded and dead jobs over the window. */
  private static long[] finished(JsonNode stats) {
    long[] sums = new long[2];
    for (JsonNode bucket : stats.path("rates").path("buckets")) {
      sums[0] += bucket.path("succeeded").asLong();
      sums[1] += bucket.path("dead").asLong();
    }
    return sums;
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.path("jobs").forEach(job -> ids.add(job.path("id").asText()));
    return ids;
  }

  private static String submit(String request) throws Exception {
    HttpResponse<String> response = server.call("POST", "/v1/jobs", request);
    assertEquals(202, response.statusCode(), response.body());
    return json.readTree(response.body()).path("id").asText();
  }

  private static void awaitStatus(String id, String status) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertEquals(
        status, json.readTree(server.call("GET", "/v1/jobs/" + id, null).body())
            .path("status").asText(), "job " + id));
  }
}
