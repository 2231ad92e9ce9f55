package io.workmate.server.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job API's happy paths on the real parts (H2 journal file, ActorSystem, dispatcher, HTTP on
 * 127.0.0.1), with the echo agent and the {@link TestAgents}.
 */
class JobsApiTest {

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

  private static JsonNode body(HttpResponse<String> response) throws Exception {
    return json.readTree(response.body());
  }

  private static String submit(String request) throws Exception {
    HttpResponse<String> response = server.call("POST", "/v1/jobs", request);
    assertEquals(202, response.statusCode(), response.body());
    JsonNode accepted = body(response);
    assertEquals(Set.of("id", "status"), fieldNames(accepted));
    return accepted.path("id").asText();
  }

  private static JsonNode awaitStatus(String id, String status) {
    AtomicReference<JsonNode> job = new AtomicReference<>();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      job.set(body(server.call("GET", "/v1/jobs/" + id, null)));
      assertEquals(status, job.get().path("status").asText(),
          "job " + id + " did not become " + status + ": " + job.get());
    });
    return job.get();
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aSubmittedJobRunsAndItsResultAndHistoryAreReadable() throws Exception {
    String id = submit("{\"prompt\":\"echo me\",\"agent\":\"echo\",\"priority\":7}");

    JsonNode job = awaitStatus(id, "succeeded");
    assertEquals(id, job.path("id").asText());
    assertEquals("echo me", job.path("result").path("text").asText());
    assertEquals(1, job.path("attempts").asInt());
    assertEquals("echo", job.path("agent").asText());
    assertEquals(7, job.path("priority").asInt());
    assertFalse(job.has("error"), job.toString());
    assertTrue(job.path("createdAt").asText().endsWith("Z"), job.toString());
    assertTrue(job.path("updatedAt").asText().compareTo(job.path("createdAt").asText()) >= 0);

    JsonNode history = body(server.call("GET", "/v1/jobs/" + id + "/history", null));
    List<String> types = new ArrayList<>();
    history.path("events").forEach(event -> types.add(event.path("type").asText()));
    assertEquals(List.of("submitted", "attempt_started", "succeeded"), types);
  }

  @Test
  void theListingPagesThroughEveryJobInSubmissionOrderAndFiltersByStatus() throws Exception {
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      submitted.add(submit("{\"prompt\":\"page " + i + "\",\"agent\":\"echo\"}"));
    }
    for (String id : submitted) {
      awaitStatus(id, "succeeded");
    }

    List<String> listed = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      JsonNode page = body(server.call("GET", "/v1/jobs?limit=2"
          + (after == null ? "" : "&after=" + after), null));
      assertTrue(page.path("jobs").size() <= 2, page.toString());
      page.path("jobs").forEach(job -> listed.add(job.path("id").asText()));
      after = page.path("next").isNull() ? null : page.path("next").asText();
      pages++;
    } while (after != null && pages < 100);
    List<String> ours = listed.stream().filter(submitted::contains).toList();
    assertEquals(submitted, ours, "all five, in submission order, once each");
    assertTrue(pages >= 3, "limit=2 pages through five jobs in three pages or more");

    JsonNode succeeded = body(server.call("GET", "/v1/jobs?status=succeeded&limit=1000", null));
    Set<String> succeededIds = new HashSet<>();
    succeeded.path("jobs").forEach(job -> {
      assertEquals("succeeded", job.path("status").asText());
      succeededIds.add(job.path("id").asText());
    });
    assertTrue(succeededIds.containsAll(submitted));
    assertTrue(body(server.call("GET", "/v1/jobs?status=queued&limit=1000", null))
        .path("jobs").findValuesAsText("id").stream().noneMatch(submitted::contains));
  }

  @Test
  void theEventStreamShowsQueuedRunningSucceededAndEnds() throws Exception {
    // the gate agent runs one job at a time and holds it: the second one waits queued
    String blocker = submit("{\"prompt\":\"blocker\",\"agent\":\"gate\"}");
    awaitStatus(blocker, "running");
    String id = submit("{\"prompt\":\"watched\",\"agent\":\"gate\"}");
    try (ServerSentEvents events = new ServerSentEvents(server.client(),
        server.uri("/v1/jobs/" + id + "/events"), JobsApiServer.TOKEN)) {
      ServerSentEvents.Event first = events.next(WAIT);
      assertEquals("status", first.name());
      assertEquals("queued", first.data().path("status").asText());
      assertEquals(200, events.status);
      assertTrue(events.contentType.startsWith("text/event-stream"), events.contentType);

      server.gate.complete(null);
      List<ServerSentEvents.Event> rest = events.untilEnd(WAIT);

      List<String> statuses = new ArrayList<>();
      statuses.add("queued");
      rest.stream().filter(e -> e.name().equals("status"))
          .map(e -> e.data().path("status").asText())
          .forEach(status -> {
            if (!statuses.get(statuses.size() - 1).equals(status)) {
              statuses.add(status);
            }
          });
      assertEquals(List.of("queued", "running", "succeeded"), statuses, rest.toString());
      ServerSentEvents.Event end = rest.get(rest.size() - 1);
      assertEquals("end", end.name());
      assertEquals("succeeded", end.data().path("status").asText());
      assertEquals("watched", end.data().path("result").path("text").asText());
    }
    awaitStatus(blocker, "succeeded");
  }

  @Test
  void cancellingAQueuedJobNeverStartsItAndCancellingARunningOneInterruptsIt()
      throws Exception {
    String running = submit("{\"prompt\":\"hold on\",\"agent\":\"hold\"}");
    awaitStatus(running, "running");
    String queued = submit("{\"prompt\":\"behind it\",\"agent\":\"hold\"}");
    assertEquals("queued", body(server.call("GET", "/v1/jobs/" + queued, null))
        .path("status").asText());

    HttpResponse<String> cancelQueued = server.call("POST", "/v1/jobs/" + queued + "/cancel",
        null);
    assertEquals(200, cancelQueued.statusCode(), cancelQueued.body());
    assertEquals("cancelled", body(cancelQueued).path("status").asText());
    assertEquals(0, body(cancelQueued).path("attempts").asInt(), "never started");

    HttpResponse<String> cancelRunning = server.call("POST", "/v1/jobs/" + running + "/cancel",
        null);
    assertEquals(200, cancelRunning.statusCode(), cancelRunning.body());
    assertEquals("cancelled", body(cancelRunning).path("status").asText());
    assertEquals(1, awaitStatus(running, "cancelled").path("attempts").asInt());

    HttpResponse<String> again = server.call("POST", "/v1/jobs/" + running + "/cancel", null);
    assertEquals(409, again.statusCode(), again.body());
  }

  @Test
  void aJobThatFailsEveryAttemptBecomesADeadLetterAndCanBeRetried() throws Exception {
    String id = submit("{\"prompt\":\"doomed\",\"agent\":\"fail\",\"maxAttempts\":2}");

    JsonNode dead = awaitStatus(id, "dead");
    assertEquals(2, dead.path("attempts").asInt());
    assertEquals(2, dead.path("maxAttempts").asInt());
    assertTrue(dead.path("error").asText().contains("HTTP 500"), dead.toString());
    JsonNode letters = body(server.call("GET", "/v1/dead-letters?limit=1000", null));
    assertTrue(letters.path("jobs").findValuesAsText("id").contains(id), letters.toString());
    letters.path("jobs").forEach(job -> assertEquals("dead", job.path("status").asText()));
    List<String> types = new ArrayList<>();
    body(server.call("GET", "/v1/jobs/" + id + "/history", null)).path("events")
        .forEach(event -> types.add(event.path("type").asText()));
    assertEquals(List.of("submitted", "attempt_started", "attempt_failed", "attempt_started",
        "dead_lettered"), types);

    HttpResponse<String> retried = server.call("POST", "/v1/jobs/" + id + "/retry", null);
    assertEquals(200, retried.statusCode(), retried.body());
    assertTrue(Set.of("queued", "running", "failed").contains(body(retried).path("status")
        .asText()), retried.body());
    JsonNode deadAgain = awaitStatus(id, "dead");
    assertEquals(2, deadAgain.path("attempts").asInt(), "a fresh set of attempts");
  }

  @Test
  void anApprovalIsListedAnsweredAndStreamed() throws Exception {
    // the asker runs one job at a time: the first holds the second queued until it is answered,
    // so the second one's stream is open before its items and its approval come
    String blocker = submit("{\"prompt\":\"first\",\"agent\":\"asker\"}");
    String blockerApproval = awaitStatus(blocker, "waiting_approval").path("approvalId").asText();
    String id = submit("{\"prompt\":\"clean up\",\"agent\":\"asker\"}");
    try (ServerSentEvents events = new ServerSentEvents(server.client(),
        server.uri("/v1/jobs/" + id + "/events"), JobsApiServer.TOKEN)) {
      assertEquals("queued", events.next(WAIT).data().path("status").asText());
      assertEquals(200, server.call("POST", "/v1/approvals/" + blockerApproval,
          "{\"decision\":\"decline\"}").statusCode());
      assertEquals("reviewer said decline", awaitStatus(blocker, "succeeded").path("result")
          .path("text").asText());

      JsonNode waiting = awaitStatus(id, "waiting_approval");
      String approvalId = waiting.path("approvalId").asText();
      JsonNode approvals = body(server.call("GET", "/v1/approvals", null)).path("approvals");
      JsonNode listed = null;
      for (JsonNode approval : approvals) {
        if (approval.path("id").asText().equals(approvalId)) {
          listed = approval;
        }
      }
      assertTrue(listed != null, "listed: " + approvals);
      assertEquals(id, listed.path("jobId").asText());
      assertEquals(1, listed.path("attempt").asInt());
      assertEquals("rm -rf build", listed.path("summary").asText());
      assertEquals("command", listed.path("kind").asText());

      HttpResponse<String> decided = server.call("POST", "/v1/approvals/" + approvalId,
          "{\"decision\":\"accept\"}");
      assertEquals(200, decided.statusCode(), decided.body());
      assertEquals(id, body(decided).path("jobId").asText());
      assertEquals("accept", body(decided).path("decision").asText());

      assertEquals("reviewer said accept", awaitStatus(id, "succeeded").path("result")
          .path("text").asText());
      List<ServerSentEvents.Event> seen = events.untilEnd(WAIT);
      List<String> names = seen.stream().map(ServerSentEvents.Event::name).toList();
      assertTrue(names.contains("item"), names.toString());
      ServerSentEvents.Event item = seen.get(names.indexOf("item"));
      assertEquals("agent_message_delta", item.data().path("type").asText());
      assertEquals("may I? ", item.data().path("data").path("delta").asText());
      assertTrue(names.contains("approval") && names.indexOf("approval")
          < names.indexOf("approval_resolved"), names.toString());
      assertEquals(approvalId, seen.get(names.indexOf("approval")).data().path("id").asText());
      assertEquals("accept", seen.get(names.indexOf("approval_resolved")).data()
          .path("decision").asText());
      assertEquals("end", names.get(names.size() - 1));

      HttpResponse<String> twice = server.call("POST", "/v1/approvals/" + approvalId,
          "{\"decision\":\"decline\"}");
      assertEquals(404, twice.statusCode(), twice.body());
    }
  }

  @Test
  void theSameIdempotencyKeyReturnsTheSameJob() throws Exception {
    String request = "{\"prompt\":\"once\",\"agent\":\"echo\",\"idempotencyKey\":\"order-42\"}";
    String first = submit(request);
    String second = submit(request);
    String other = submit("{\"prompt\":\"once\",\"agent\":\"echo\",\"idempotencyKey\":"
        + "\"order-43\"}");

    assertEquals(first, second);
    assertNotEquals(first, other);
    awaitStatus(first, "succeeded");
    assertEquals(first, submit(request), "still the same job once it finished");
    List<String> types = new ArrayList<>();
    body(server.call("GET", "/v1/jobs/" + first + "/history", null)).path("events")
        .forEach(event -> types.add(event.path("type").asText()));
    assertEquals(1, types.stream().filter("attempt_started"::equals).count(), "ran once");
  }

  @Test
  void metricsInPrometheusFormatHoldTheQueueAndServiceMeters() throws Exception {
    awaitStatus(submit("{\"prompt\":\"measure me\",\"agent\":\"echo\"}"), "succeeded");

    HttpResponse<String> response = server.call("GET", "/metrics", null);
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    String text = response.body();
    for (String meter : List.of("workmate_jobs{status=\"succeeded\"}", "workmate_jobs{status=\"queued\"}",
        "workmate_job_attempts_total{", "workmate_attempt_duration_seconds_bucket{",
        "workmate_job_duration_seconds_count", "workmate_codex_processes",
        "workmate_codex_threads", "workmate_mode{mode=\"offline\"}")) {
      assertTrue(text.contains(meter), meter + " missing from:\n" + text);
    }
  }

  @Test
  void theOpenApiDocumentDescribesEveryRouteTheRouterServes() throws Exception {
    HttpResponse<String> response = server.call("GET", "/v1/openapi.json", null);
    assertEquals(200, response.statusCode());
    JsonNode doc = body(response);
    assertTrue(doc.path("openapi").asText().startsWith("3.0"));

    Set<String> documented = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue().fieldNames().forEachRemaining(method ->
          documented.add(method.toUpperCase() + " " + path.getKey()));
    }
    List<String> served = server.api.describedRoutes();
    assertEquals(Set.copyOf(served), documented);
    for (String route : List.of("POST /v1/jobs", "GET /v1/jobs", "GET /v1/jobs/{id}",
        "GET /v1/jobs/{id}/history", "GET /v1/jobs/{id}/events", "POST /v1/jobs/{id}/cancel",
        "POST /v1/jobs/{id}/retry", "GET /v1/dead-letters", "GET /v1/approvals",
        "POST /v1/approvals/{id}", "GET /v1/health", "GET /v1/ready", "GET /v1/openapi.json",
        "GET /metrics", "GET /v1/mode", "PUT /v1/mode", "POST /v1/messages")) {
      assertTrue(documented.contains(route), route + " is not in the document");
    }
    // each documented route is really routed: never "no such route", never 405
    for (String route : served) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replace("{id}", "job-unknown");
      if (path.equals("/v1/messages") || path.endsWith("/events")) {
        continue; // a message runs a turn; an unknown job's events are a plain 404 below
      }
      HttpResponse<String> answer = server.call(method, path, method.equals("GET") ? null
          : "{\"decision\":\"accept\",\"mode\":\"auto\"}");
      assertNotEquals(405, answer.statusCode(), route + ": " + answer.body());
      assertFalse(answer.body().contains("no such route"), route + ": " + answer.body());
    }
    assertTrue(body(server.call("GET", "/v1/jobs/job-unknown/events", null)).path("error")
        .path("message").asText().contains("no job"));
  }

  @Test
  void healthAndReadinessNeedNoTokenAndReportTheJournal() throws Exception {
    HttpResponse<String> ready = server.call("GET", "/v1/ready", null, new String[0]);
    assertEquals(200, ready.statusCode(), ready.body());
    assertTrue(body(ready).path("ready").asBoolean());

    HttpResponse<String> health = server.call("GET", "/v1/health", null, new String[0]);
    assertEquals(200, health.statusCode(), health.body());
    JsonNode journal = body(health).path("journal");
    assertEquals("h2", journal.path("kind").asText());
    assertEquals("ok", journal.path("state").asText());
    assertEquals("offline", body(health).path("mode").asText());
  }
}
