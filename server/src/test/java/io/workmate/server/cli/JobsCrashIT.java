package io.workmate.server.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.server.lifecycle.LedgerJournal;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test: {@code workmate serve} as a separate process (H2 file journal, real
 * codex on the scripted provider), 500 jobs queued, the service killed with SIGKILL while jobs
 * run, then started again on the same data dir. Every job must end {@code succeeded} with
 * exactly one {@code Succeeded} event in the journal: none lost, none completed twice.
 */
class JobsCrashIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final Path LAUNCHER = ROOT.resolve("bin/workmate");
  private static final int JOBS = 500;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;

  @Test
  void aKilledServiceLosesNoJobAndCompletesNoneTwice() throws Exception {
    Path data = tmp.resolve("data");
    Process first = serve(data, "first");
    List<String> ids = new ArrayList<>();
    Map<String, Integer> numberOf = new HashMap<>();
    int succeededBeforeKill;
    try {
      String url = url(first);
      for (int i = 0; i < JOBS; i++) {
        // a small delay per turn keeps jobs in flight when the kill comes
        JsonNode created = post(url + "/v1/jobs", "{\"prompt\": \"[[delay:20]][[reply:job " + i
            + " done]]\", \"idempotencyKey\": \"crash-" + i + "\"}", 202);
        ids.add(created.path("id").asText());
        numberOf.put(created.path("id").asText(), i);
      }
      succeededBeforeKill = awaitSucceeded(url, 40, Duration.ofMinutes(5));
      int running = count(url, "running");
      assertTrue(succeededBeforeKill < JOBS, "the kill must come while jobs are left");
      System.out.printf("killing the service: %d succeeded, %d running%n", succeededBeforeKill,
          running);
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no drain
      assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the killed service is gone");
    }
    assertEquals(137, first.exitValue(), "killed by SIGKILL");

    Process second = serve(data, "second");
    try {
      String url = url(second);
      awaitSucceeded(url, JOBS, Duration.ofMinutes(10));
      int requeued = 0;
      for (String id : ids) {
        JsonNode job = get(url + "/v1/jobs/" + id);
        assertEquals("succeeded", job.path("status").asText(), job.toString());
        assertEquals("job " + numberOf.get(id) + " done", job.path("result").path("text").asText());
        JsonNode history = get(url + "/v1/jobs/" + id + "/history").path("events");
        int succeededEvents = 0;
        for (JsonNode event : history) {
          succeededEvents += event.path("type").asText().equals("succeeded") ? 1 : 0;
          requeued += event.path("type").asText().equals("requeued") ? 1 : 0;
        }
        assertEquals(1, succeededEvents, "one completion of " + id + ": " + history);
      }
      System.out.printf("after the restart: %d jobs succeeded, %d requeued after the kill%n",
          JOBS, requeued);
    } finally {
      second.destroy();
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the service stops on SIGTERM");
    }

    // the journal itself, read without Workmate (plain SQL, generic CBOR): one Succeeded event
    // per job, 500 in all, inside the ledger's batch rows
    LedgerJournal journal;
    try (Connection db = DriverManager.getConnection(
        "jdbc:h2:file:" + data.resolve("journal").resolve("workmate") + ";ACCESS_MODE_DATA=r",
        "sa", "")) {
      journal = LedgerJournal.read(db);
    }
    Map<String, Integer> succeededInJournal = journal.succeeded();
    assertEquals(JOBS, succeededInJournal.size(), "jobs with a Succeeded event in the journal");
    succeededInJournal.forEach((id, count) ->
        assertEquals(1, count, "Succeeded events of " + id + " in the journal"));
    assertTrue(ids.containsAll(succeededInJournal.keySet()), "only the submitted jobs");
    System.out.printf("the journal: %d ledger rows for %d jobs%n", journal.rows(), JOBS);
  }

  // ---- the service ----

  private Process serve(Path data, String name) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "serve", "--port", "0")
        .directory(tmp.toFile())
        .redirectError(tmp.resolve("serve-" + name + ".err").toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", data.toString());
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_CODEX_PROCESSES", "2");
    builder.environment().put("WORKMATE_JOBS_MAX_CONCURRENT", "8");
    return builder.start();
  }

  private String url(Process service) throws Exception {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
    if (!url.find()) {
      fail("the service did not start: " + banner + "\n" + serviceErrors());
    }
    return url.group(1);
  }

  private String serviceErrors() throws Exception {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(tmp)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".err")).toList()) {
        all.append(file.getFileName()).append(":\n").append(Files.readString(file));
      }
    }
    return all.toString();
  }

  /** Waits until at least {@code target} jobs succeeded; answers how many had. */
  private int awaitSucceeded(String url, int target, Duration limit) throws Exception {
    AtomicInteger succeeded = new AtomicInteger();
    try {
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).atMost(limit)
          .until(() -> {
            succeeded.set(count(url, "succeeded"));
            return succeeded.get() >= target;
          });
    } catch (ConditionTimeoutException e) {
      fail(succeeded.get() + " of " + target + " jobs succeeded within " + limit + "\n"
          + serviceErrors());
    }
    return succeeded.get();
  }

  private int count(String url, String status) throws Exception {
    int total = 0;
    String after = null;
    do {
      JsonNode page = get(url + "/v1/jobs?status=" + status + "&limit=1000"
          + (after == null ? "" : "&after=" + after));
      total += page.path("jobs").size();
      after = page.path("next").isTextual() ? page.path("next").asText() : null;
    } while (after != null);
    return total;
  }

  private static JsonNode get(String uri) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), uri + ": " + response.body());
    return JSON.readTree(response.body());
  }

  private static JsonNode post(String uri, String body, int expected) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, response.statusCode(), uri + ": " + response.body());
    return JSON.readTree(response.body());
  }
}
