package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graceful stop of a real {@code bin/workmate serve} with the real codex on the scripted
 * provider: SIGTERM lets running jobs finish and keeps queued ones queued; a drain timeout
 * shorter than the turns requeues the running jobs without spending an attempt; a job waiting
 * for an approval is requeued and asks again under a new id after the restart. Nothing is lost
 * and nothing completes twice (one {@code succeeded} event per job).
 */
class DrainIT {

  private static final int RUNNING = 5;
  private static final int QUEUED = 20;
  /** Held for the whole test: an unreferenced HttpClient closes its connections. */
  private static final HttpClient STREAMS = HttpClient.newHttpClient();

  @TempDir Path tmp;

  @Test
  void sigtermLetsRunningJobsFinishAndKeepsQueuedOnesForTheNextStart() throws Exception {
    Path data = tmp.resolve("data");
    Map<String, String> env = Map.of("WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(RUNNING + 1),
        "WORKMATE_CODEX_PROCESSES", "2");
    List<String> running = new ArrayList<>();
    List<String> queued = new ArrayList<>();
    String approvalJob;
    String oldApproval;
    try (ServeProcess first = ServeProcess.start(tmp, "first", data, env)) {
      approvalJob = first.submit("{\"prompt\": \"[[exec:echo approved-run]]\", "
          + "\"approval\": \"untrusted\", \"idempotencyKey\": \"approval\"}");
      await().atMost(Duration.ofSeconds(60)).until(() ->
          first.status(approvalJob).equals("waiting_approval"));
      oldApproval = first.job(approvalJob).path("approvalId").asText();
      for (int i = 0; i < RUNNING; i++) {
        // about 6 s of streaming per turn: long enough to be running at the signal
        running.add(first.submit("{\"prompt\": \"[[delay:600]][[chunks:8]][[reply:long " + i
            + "]]\", \"idempotencyKey\": \"running-" + i + "\"}"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> countIn(first, running, "running")
          == RUNNING);
      for (int i = 0; i < QUEUED; i++) {
        queued.add(first.submit("{\"prompt\": \"[[reply:queued " + i + "]]\", "
            + "\"idempotencyKey\": \"queued-" + i + "\"}"));
      }
      CompletableFuture<List<String>> stream = events(first, queued.get(0));
      first.signal("TERM");
      // the signal is handled asynchronously: readiness turns 503 once the drain has begun
      await().atMost(Duration.ofSeconds(10)).until(() ->
          first.call("GET", "/v1/ready", null).statusCode() == 503);
      // draining: no new job, Retry-After says when to come back
      HttpResponse<String> refused = first.call("POST", "/v1/jobs",
          "{\"prompt\": \"too late\"}");
      assertEquals(503, refused.statusCode(), refused.body());
      assertEquals("draining", ServeProcess.JSON.readTree(refused.body())
          .path("error").path("code").asText());
      assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");
      ServeProcess.CliRun status = first.cli("status");
      assertEquals(3, status.exit(), status.out() + status.err());
      assertTrue(status.out().contains("draining:  yes"), status.out());
      assertEquals(0, first.awaitExit(Duration.ofSeconds(90)), first.output());
      List<String> lastEvents = stream.get();
      assertEquals("stopping", lastEvents.get(lastEvents.size() - 1),
          "an open event stream ends with the stopping event: " + lastEvents);
    }
    try (ServeProcess second = ServeProcess.start(tmp, "second", data, env)) {
      // ready once its first journal check is in
      await().atMost(Duration.ofSeconds(30)).until(() -> second.cli("status").exit() == 0);
      ServeProcess.CliRun status = second.cli("status");
      assertTrue(status.out().contains("ready:     yes"), status.out());
      assertTrue(status.out().contains("draining:  no"), status.out());
      for (String id : running) {
        JsonNode job = second.job(id);
        assertEquals("succeeded", job.path("status").asText(), "finished in the drain: " + job);
        assertEquals(1, job.path("attempts").asInt(), "one attempt: " + job);
      }
      // the approval job was given back without spending its attempt, and asks again
      await().atMost(Duration.ofSeconds(60)).until(() ->
          second.status(approvalJob).equals("waiting_approval"));
      String newApproval = second.job(approvalJob).path("approvalId").asText();
      assertNotEquals(oldApproval, newApproval);
      assertTrue(second.history(approvalJob).contains("attempt_released"),
          second.history(approvalJob).toString());
      HttpResponse<String> stale = second.call("POST", "/v1/approvals/" + oldApproval,
          "{\"decision\": \"accept\"}");
      assertEquals(409, stale.statusCode(), stale.body());
      assertTrue(stale.body().contains(newApproval), "names the new approval: " + stale.body());
      assertEquals(200, second.call("POST", "/v1/approvals/" + newApproval,
          "{\"decision\": \"accept\"}").statusCode());
      List<String> all = new ArrayList<>(queued);
      all.add(approvalJob);
      await().atMost(Duration.ofSeconds(120)).until(() -> countIn(second, all, "succeeded")
          == all.size());
      assertEquals(1, second.job(approvalJob).path("attempts").asInt());
      all.addAll(running);
      for (String id : all) {
        assertEquals(1, Collections.frequency(second.history(id), "succeeded"),
            "succeeded once: " + id);
      }
      // the admin drain: unknown fields are refused, an empty object stops the service
      HttpResponse<String> bad = second.call("POST", "/v1/admin/drain", "{\"now\": true}");
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("now"), bad.body());
      assertEquals(202, second.call("POST", "/v1/admin/drain", "{}").statusCode());
      assertEquals(0, second.awaitExit(Duration.ofSeconds(60)), second.output());
    }
  }

  @Test
  void aDrainTimeoutShorterThanTheTurnsRequeuesThemWithoutSpendingAnAttempt() throws Exception {
    Path data = tmp.resolve("data");
    List<String> ids = new ArrayList<>();
    try (ServeProcess first = ServeProcess.start(tmp, "short", data, Map.of(
        "WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(RUNNING),
        "WORKMATE_SERVICE_DRAIN_TIMEOUT", "2s"))) {
      for (int i = 0; i < RUNNING; i++) {
        ids.add(first.submit("{\"prompt\": \"[[delay:1500]][[chunks:20]][[reply:slow " + i
            + "]]\", \"idempotencyKey\": \"slow-" + i + "\"}"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> countIn(first, ids, "running")
          == RUNNING);
      // a message is no job: the drain does not wait for it, and it still gets an answer
      CompletableFuture<HttpResponse<String>> message = STREAMS.sendAsync(HttpRequest
          .newBuilder(URI.create(first.url() + "/v1/messages"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"[[delay:1500]]"
              + "[[chunks:20]][[reply:a slow message]]\", \"preferOnline\": false}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      // running, not merely sent: its codex thread shows in the pool's gauge (polled every 5 s)
      await().atMost(Duration.ofSeconds(30)).until(() -> codexThreads(first) > RUNNING);
      long signalled = System.nanoTime();
      first.signal("TERM");
      assertEquals(0, first.awaitExit(Duration.ofSeconds(60)), first.output());
      Duration took = Duration.ofNanos(System.nanoTime() - signalled);
      assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "stopped after the drain "
          + "timeout, not after the turns: " + took);
      HttpResponse<String> unfinished = message.get(10, TimeUnit.SECONDS);
      assertEquals(503, unfinished.statusCode(), unfinished.body());
      assertTrue(unfinished.body().contains("send it again"), unfinished.body());
    }
    try (ServeProcess second = ServeProcess.start(tmp, "after-short", data, Map.of(
        "WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(RUNNING)))) {
      for (String id : ids) {
        List<String> history = second.history(id);
        assertTrue(history.contains("attempt_released"), id + ": " + history);
      }
      await().atMost(Duration.ofSeconds(180)).until(() -> countIn(second, ids, "succeeded")
          == ids.size());
      for (String id : ids) {
        JsonNode job = second.job(id);
        assertEquals(1, job.path("attempts").asInt(), "the released attempt was not spent: "
            + job);
        assertEquals(1, Collections.frequency(second.history(id), "succeeded"), id);
      }
      second.signal("TERM");
      assertEquals(0, second.awaitExit(Duration.ofSeconds(60)), second.output());
    }
  }

  private static long countIn(ServeProcess serve, List<String> ids, String status)
      throws Exception {
    long count = 0;
    for (String id : ids) {
      if (serve.status(id).equals(status)) {
        count++;
      }
    }
    return count;
  }

  /** The codex threads open now, from {@code /metrics}. */
  private static double codexThreads(ServeProcess serve) throws Exception {
    for (String line : serve.call("GET", "/metrics", null).body().split("\n")) {
      if (line.startsWith("workmate_codex_threads ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    return -1;
  }

  /** Follows the job's event stream; completes with the event names once it closes. */
  private static CompletableFuture<List<String>> events(ServeProcess serve, String jobId) {
    HttpRequest request = HttpRequest.newBuilder(
        URI.create(serve.url() + "/v1/jobs/" + jobId + "/events")).GET().build();
    return STREAMS.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        .thenApply(response -> {
          List<String> names = new ArrayList<>();
          try (BufferedReader reader = new BufferedReader(
              new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
              if (line.startsWith("event:")) {
                names.add(line.substring("event:".length()).trim());
              }
            }
          } catch (java.io.IOException e) {
            names.add("error: " + e.getMessage());
          }
          return names;
        });
  }
}
