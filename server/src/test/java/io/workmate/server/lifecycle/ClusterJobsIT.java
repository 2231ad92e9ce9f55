package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real {@code workmate serve} nodes of one cluster on one real PostgreSQL (started by
 * {@code scripts/postgres}): jobs submitted round-robin to every node run once each, every node
 * lists them all, and a node killed with SIGKILL while jobs run on it costs nothing: the
 * survivors take its shards and run its jobs to the end, exactly once, its job's event stream
 * reopened on a survivor ends, and the node, started again, rejoins and runs jobs.
 */
class ClusterJobsIT {

  private static final int ECHO_JOBS = 270;
  private static final int CODEX_JOBS = 30;

  private Path tmp;
  private PrivatePostgres postgres;
  private TestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    tmp = Files.createTempDirectory("workmate-cluster-it",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    postgres = PrivatePostgres.start(tmp);
    cluster = TestCluster.start(tmp, postgres, 3);
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    postgres.close();
    try (Stream<Path> tree = Files.walk(tmp)) {
      tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void threeNodesRunEveryJobOnceAndALostNodeCostsNothing() throws Exception {
    for (int n = 0; n < cluster.size(); n++) {
      // each node has its own mode and agents, and says which node it is
      assertEquals(TestCluster.name(n), cluster.node(n).get("/v1/mode").path("node").asText());
      assertTrue(cluster.node(n).get("/v1/agents").toString()
          .contains("\"codex@" + TestCluster.name(n) + "\""));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ECHO_JOBS + CODEX_JOBS; i++) {
      String prompt = i < CODEX_JOBS ? "[[delay:1500]][[reply:codex job " + i + "]]"
          : "echo job " + i;
      String agent = i < CODEX_JOBS ? "" : ", \"agent\": \"echo\"";
      ids.add(cluster.submit(i, "{\"prompt\": \"" + prompt + "\"" + agent
          + ", \"idempotencyKey\": \"cluster-" + i + "\"}"));
    }

    // a codex job running on node-c when it dies
    ServeProcess a = cluster.node(0);
    String onLostNode = await().atMost(Duration.ofMinutes(2)).until(
        () -> runningOn(a, ids.subList(0, CODEX_JOBS), "codex@node-c"), id -> id != null);
    // a stream opened on node-b before the kill: its watch lives in node-c's shard
    HttpResponse<Stream<String>> open = stream(cluster.node(1), onLostNode)
        .get(30, TimeUnit.SECONDS);
    assertEquals(200, open.statusCode());
    CompletableFuture<List<String>> openBeforeKill =
        CompletableFuture.supplyAsync(() -> names(open.body()));
    cluster.node(2).signal("KILL");
    assertEquals(137, cluster.node(2).awaitExit(Duration.ofSeconds(30)), "killed by SIGKILL");

    ServeProcess b = cluster.node(1);
    // while node-c's shards move, a listing that needs them answers 503: asked again
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> b.count("succeeded") >= ids.size());
    assertEquals(ids.size(), a.count("succeeded"), "node-a lists every job");
    for (String id : ids) {
      assertEquals("succeeded", a.status(id), id);
    }
    List<String> history = a.history(onLostNode);
    assertEquals(1, history.stream().filter("succeeded"::equals).count(), history.toString());
    assertTrue(history.contains("attempt_released"), "the lost attempt is given back: "
        + history);
    assertTrue(history.stream().noneMatch(type -> type.equals("attempt_failed")),
        history.toString());
    assertEquals("end", last(events(b, onLostNode).get(60, TimeUnit.SECONDS)),
        "the job's stream, reopened on node-b, ends");
    assertEquals("end", last(openBeforeKill.get(60, TimeUnit.SECONDS)),
        "the stream open on node-b when the job's node died ends too");

    Map<String, Integer> succeeded = cluster.journal().succeeded();
    assertEquals(ids.size(), succeeded.size(), "jobs with a succeeded event in the journal");
    succeeded.forEach((id, count) -> assertEquals(1, count, "succeeded events of " + id));

    // node-c comes back, rejoins, takes shards again and runs jobs on its own agents
    ServeProcess c = cluster.restart(2);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      String id = c.submit("{\"prompt\": \"after the rejoin\", \"agent\": \"echo\"}");
      await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(c.status(id)));
      return c.job(id).path("agent").asText().equals("echo@node-c");
    });
  }

  /** The first of {@code ids} running on {@code agent}, or null. */
  private static String runningOn(ServeProcess node, List<String> ids, String agent)
      throws Exception {
    for (String id : ids) {
      JsonNode job = node.job(id);
      if (job.path("status").asText().equals("running")
          && job.path("agent").asText().equals(agent)) {
        return id;
      }
    }
    return null;
  }

  /** The names of the job's events on {@code node}, once the stream closes. */
  private static CompletableFuture<List<String>> events(ServeProcess node, String id) {
    return stream(node, id).thenApply(response -> {
      assertEquals(200, response.statusCode());
      return names(response.body());
    });
  }

  /** The job's event stream on {@code node}, once its headers came. */
  private static CompletableFuture<HttpResponse<Stream<String>>> stream(ServeProcess node,
      String id) {
    return HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create(node.url() + "/v1/jobs/" + id + "/events")).build(),
        HttpResponse.BodyHandlers.ofLines());
  }

  private static List<String> names(Stream<String> lines) {
    return lines.filter(line -> line.startsWith("event:"))
        .map(line -> line.substring("event:".length()).trim()).toList();
  }

  private static String last(List<String> events) {
    return events.isEmpty() ? "(none)" : events.get(events.size() - 1);
  }
}
