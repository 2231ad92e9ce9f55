package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data dir written by the code before the job runtime's redesign (issue 14; main at 7b6d303,
 * see {@code src/test/resources/legacy-datadir/README.md}) recovers under today's code with every
 * job (status, attempts, result, error, history), every agent and every memory entry, exactly as
 * that code answered them before it stopped ({@code expected.json}), and the service goes on
 * from there: a known idempotency key finds its old job, memory continues after its last seq.
 */
class LegacyDataDirIT {

  private static final String FIXTURE = "/legacy-datadir/";
  /** The built-in agents register again at start: that counts as a heartbeat. */
  private static final Set<String> BUILT_IN = Set.of("codex", "echo");

  @TempDir Path tmp;

  @Test
  void everyJobAgentAndMemoryEntryOfAnOldDataDirIsThereAfterTheStart() throws Exception {
    Path data = unzip(FIXTURE + "datadir.zip", tmp.resolve("data"));
    JsonNode expected;
    try (InputStream in = resource(FIXTURE + "expected.json")) {
      expected = ServeProcess.JSON.readTree(in);
    }
    // as the fixture was written: the echo agent on, retries an hour apart
    Map<String, String> env = Map.of("WORKMATE_JOBS_ECHO_AGENT", "on",
        "WORKMATE_JOBS_BACKOFF_INITIAL", "1h", "WORKMATE_JOBS_BACKOFF_MAX", "1h");
    try (ServeProcess serve = ServeProcess.start(tmp, "legacy", data, env)) {
      await().atMost(Duration.ofSeconds(90)).until(() ->
          serve.call("GET", "/v1/ready", null).statusCode() == 200);

      Map<String, String> byKey = jobsByKey(serve, expected);
      assertJobs(serve, expected, byKey);
      assertAgents(serve, expected);
      assertMemory(serve, expected);

      // the service goes on from the recovered state
      HttpResponse<String> again = serve.call("POST", "/v1/jobs",
          "{\"prompt\": \"[[reply:legacy hello]]\", \"idempotencyKey\": \"legacy-reply\"}");
      assertEquals(byKey.get("legacy-reply"),
          ServeProcess.JSON.readTree(again.body()).path("id").asText(), again.body());
      assertEquals("succeeded", serve.status(byKey.get("legacy-reply")));
      long plannerSeq = expected.path("memory").path("planner").path("lastSeq").asLong();
      HttpResponse<String> appended = serve.call("POST", "/v1/agents/planner/memory",
          "{\"kind\": \"note\", \"text\": \"written after the upgrade\"}");
      assertEquals(201, appended.statusCode(), appended.body());
      assertEquals(plannerSeq + 1, ServeProcess.JSON.readTree(appended.body())
          .path("entry").path("seq").asLong(), appended.body());
      String fresh = serve.submit("{\"prompt\": \"after the upgrade\", \"agent\": \"legacy-echo\"}");
      await().atMost(Duration.ofSeconds(30)).until(() -> serve.status(fresh).equals("succeeded"));

      serve.signal("TERM");
      assertEquals(0, serve.awaitExit(Duration.ofSeconds(60)), serve.output());
    }
  }

  /** The fixture's jobs by their idempotency keys, which name them in this test. */
  private static Map<String, String> jobsByKey(ServeProcess serve, JsonNode expected)
      throws Exception {
    Map<String, String> byKey = new LinkedHashMap<>();
    for (JsonNode recorded : expected.path("jobs")) {
      String id = recorded.path("job").path("id").asText();
      JsonNode submitted = recorded.path("history").path("events").get(0);
      byKey.put(submitted.path("spec").path("idempotencyKey").asText(
          submitted.path("idempotencyKey").asText()), id);
    }
    return byKey;
  }

  private static void assertJobs(ServeProcess serve, JsonNode expected,
      Map<String, String> byKey) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode recorded : expected.path("jobs")) {
      String id = recorded.path("job").path("id").asText();
      ids.add(id);
      assertContains(recorded.path("job"), serve.job(id), "job " + id);
      assertContains(recorded.path("history"), serve.get("/v1/jobs/" + id + "/history"),
          "history of " + id);
    }
    assertEquals(10, ids.size(), "the fixture's jobs");
    List<String> listed = new ArrayList<>();
    serve.get("/v1/jobs?limit=1000").path("jobs").forEach(job -> listed.add(job.path("id")
        .asText()));
    assertEquals(ids, listed, "every job, in submission order");
    List<String> dead = new ArrayList<>();
    serve.get("/v1/dead-letters?limit=1000").path("jobs").forEach(job -> dead.add(job.path("id")
        .asText()));
    List<String> deadBefore = new ArrayList<>();
    expected.path("deadLetters").path("jobs").forEach(job -> deadBefore.add(job.path("id")
        .asText()));
    assertEquals(deadBefore, dead, "the dead letters");

    // what each job was, spelled out (expected.json holds the rest)
    expectJob(serve, byKey, "legacy-reply", "succeeded", 1, "legacy hello");
    expectJob(serve, byKey, "legacy-echo", "succeeded", 1, "legacy echo text");
    expectJob(serve, byKey, "legacy-routed", "succeeded", 1, "routed by capability");
    expectJob(serve, byKey, "legacy-slow-done", "succeeded", 1, "slow one");
    expectJob(serve, byKey, "legacy-dead", "dead", 1, null);
    expectJob(serve, byKey, "legacy-retried", "dead", 1, null);
    // its agent was deregistered: it keeps its failure and waits for its retry (or its agent)
    expectJob(serve, byKey, "legacy-failed", "failed", 1, null);
    expectJob(serve, byKey, "legacy-queued", "queued", 0, null);
    expectJob(serve, byKey, "legacy-queued-2", "queued", 0, null);
    expectJob(serve, byKey, "legacy-cancelled", "cancelled", 0, null);
    assertTrue(serve.job(byKey.get("legacy-dead")).path("error").asText()
        .contains("legacy boom"));
    assertTrue(serve.job(byKey.get("legacy-failed")).path("error").asText()
        .contains("cannot reach http://127.0.0.1:9/flaky"));
    assertTrue(serve.history(byKey.get("legacy-retried")).contains("retried"),
        String.valueOf(serve.history(byKey.get("legacy-retried"))));
    JsonNode queued = serve.job(byKey.get("legacy-queued"));
    assertEquals(3, queued.path("priority").asInt());
    assertEquals(5, queued.path("maxAttempts").asInt());
  }

  private static void expectJob(ServeProcess serve, Map<String, String> byKey, String key,
      String status, int attempts, String result) throws Exception {
    String id = byKey.get(key);
    assertNotNull(id, "no job with key " + key + " in " + byKey);
    JsonNode job = serve.job(id);
    assertEquals(status, job.path("status").asText(), key + ": " + job);
    assertEquals(attempts, job.path("attempts").asInt(), key + ": " + job);
    if (result != null) {
      assertEquals(result, job.path("result").path("text").asText(), key + ": " + job);
    }
  }

  private static void assertAgents(ServeProcess serve, JsonNode expected) throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode recorded : expected.path("agents").path("agents")) {
      String id = recorded.path("id").asText();
      ids.add(id);
      JsonNode agent = serve.get("/v1/agents/" + id);
      JsonNode compared = recorded.deepCopy();
      if (BUILT_IN.contains(id)) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) compared).remove("lastHeartbeatAt");
      }
      assertContains(compared, agent, "agent " + id);
    }
    assertEquals(List.of("codex", "echo", "legacy-echo", "legacy-http"), ids);
    List<String> listed = new ArrayList<>();
    serve.get("/v1/agents").path("agents").forEach(agent -> listed.add(agent.path("id")
        .asText()));
    assertEquals(ids, listed, "deregistered and expired agents stay gone");
    for (String gone : List.of("legacy-slow", "legacy-flaky", "legacy-short", "legacy-churn-1",
        "legacy-churn-55")) {
      assertEquals(404, serve.call("GET", "/v1/agents/" + gone, null).statusCode(), gone);
    }
  }

  private static void assertMemory(ServeProcess serve, JsonNode expected) throws Exception {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> agents = expected.path("memory").fields();
    while (agents.hasNext()) {
      Map.Entry<String, JsonNode> agent = agents.next();
      JsonNode memory = serve.get("/v1/agents/" + agent.getKey() + "/memory?limit=1000");
      assertContains(agent.getValue(), memory, "memory of " + agent.getKey());
      sizes.put(agent.getKey(), memory.path("entries").size());
    }
    // planner's 520 entries span a snapshot (every 500) and the events after it
    assertEquals(Map.of("planner", 520, "codex", 5, "legacy-echo", 1), sizes);
    JsonNode tagged = serve.get("/v1/agents/planner/memory?tag=batch:5&limit=1000");
    assertEquals(21, tagged.path("entries").size(), "entries 500..520 carry batch:5");
  }

  /**
   * Every field {@code expected} has, {@code actual} has with the same value (arrays element by
   * element); fields the new code adds are not compared.
   */
  private static void assertContains(JsonNode expected, JsonNode actual, String where) {
    if (expected.isObject()) {
      if (!actual.isObject()) {
        fail(where + ": expected an object, got " + actual);
      }
      expected.fields().forEachRemaining(field -> assertContains(field.getValue(),
          actual.path(field.getKey()), where + "." + field.getKey()));
    } else if (expected.isArray()) {
      assertEquals(expected.size(), actual.size(), where + ": " + actual);
      for (int i = 0; i < expected.size(); i++) {
        assertContains(expected.get(i), actual.get(i), where + "[" + i + "]");
      }
    } else {
      assertEquals(expected, actual.isMissingNode() ? null : actual, where);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = LegacyDataDirIT.class.getResourceAsStream(name);
    assertNotNull(in, "test resource " + name);
    return in;
  }

  private static Path unzip(String zip, Path target) throws IOException {
    Files.createDirectories(target);
    try (ZipInputStream in = new ZipInputStream(resource(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("zip entry outside the data dir: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(in, path);
        }
      }
    }
    return target;
  }
}
