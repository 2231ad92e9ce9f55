package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real {@code workmate serve} nodes of one cluster on one real PostgreSQL (started by
 * {@code scripts/postgres}): an agent registered on one node is listed by every node and runs
 * the jobs submitted to any node, an agent's memory written through one node is read through
 * the others, jobs submitted round-robin to every node run once each, every node
 * lists them all, and a node killed with SIGKILL while jobs run on it costs nothing: the
 * survivors take its shards and run its jobs to the end, exactly once, its job's event stream
 * reopened on a survivor ends, and the node, started again, rejoins and runs jobs.
 */
class ClusterJobsIT {

  private static final int ECHO_JOBS = 270;
  private static final int CODEX_JOBS = 30;

  private TestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = TestCluster.onOwnPostgres("workmate-cluster-it", 3);
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void threeNodesAreOneServiceAndALostNodeCostsNothing() throws Exception {
    for (int n = 0; n < cluster.size(); n++) {
      // each node has its own mode and says which node it is
      assertEquals(TestCluster.name(n), cluster.node(n).get("/v1/mode").path("node").asText());
    }
    List<String> reviews = agentsAndMemoryAreTheSameOnEveryNode();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ECHO_JOBS + CODEX_JOBS; i++) {
      String prompt = i < CODEX_JOBS ? "[[delay:3000]][[reply:codex job " + i + "]]"
          : "echo job " + i;
      String agent = i < CODEX_JOBS ? "" : ", \"agent\": \"echo\"";
      ids.add(cluster.submit(i, "{\"prompt\": \"" + prompt + "\"" + agent
          + ", \"idempotencyKey\": \"cluster-" + i + "\"}"));
    }
    ids.addAll(reviews); // succeeded already: counted with the rest below

    // a codex job running on node-c when it dies, with a stream opened on node-b before the
    // kill (its watch lives in node-c's shard); on a busy machine the job found may end while
    // the stream opens, so it is checked again right before the kill
    ServeProcess a = cluster.node(0);
    String onLostNode = null;
    HttpResponse<Stream<String>> open = null;
    for (int tries = 1; onLostNode == null; tries++) {
      assertTrue(tries <= CODEX_JOBS, "no codex job stayed running on node-c for the kill");
      String candidate = await().atMost(Duration.ofMinutes(2)).until(
          () -> runningOn(a, ids.subList(0, CODEX_JOBS), "codex@node-c"), id -> id != null);
      HttpResponse<Stream<String>> stream = stream(cluster.node(1), candidate)
          .get(30, TimeUnit.SECONDS);
      assertEquals(200, stream.statusCode());
      if (a.status(candidate).equals("running")) {
        onLostNode = candidate;
        open = stream;
      } else {
        stream.body().close();
      }
    }
    HttpResponse<Stream<String>> openStream = open;
    CompletableFuture<List<String>> openBeforeKill =
        CompletableFuture.supplyAsync(() -> names(openStream.body()));
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

  /**
   * An http agent registered on node-a (its endpoint served here) is listed by every node, with
   * every node's own agents, and runs jobs submitted to every node whichever node's shard they
   * land in; memory appended through node-a is read through node-b and node-c. Answers the ids
   * of the agent's jobs.
   */
  private List<String> agentsAndMemoryAreTheSameOnEveryNode() throws Exception {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.createContext("/", exchange -> {
      byte[] body = "{\"text\": \"reviewed\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    endpoint.start();
    List<String> reviews = new ArrayList<>();
    try {
      HttpResponse<String> registered = cluster.node(0).call("POST", "/v1/agents",
          "{\"id\": \"reviewer\", \"kind\": \"http\", \"capabilities\": [\"review\"], "
              + "\"endpoint\": \"http://127.0.0.1:" + endpoint.getAddress().getPort()
              + "/\", \"ttlSeconds\": 3600}");
      assertEquals(201, registered.statusCode(), registered.body());
      for (int n = 0; n < cluster.size(); n++) {
        List<String> listed = new ArrayList<>();
        cluster.node(n).get("/v1/agents").path("agents")
            .forEach(agent -> listed.add(agent.path("id").asText()));
        assertTrue(listed.containsAll(List.of("reviewer", "codex@node-a", "codex@node-b",
            "codex@node-c", "echo@node-a", "echo@node-b", "echo@node-c")),
            TestCluster.name(n) + " lists every agent: " + listed);
      }
      for (int i = 0; i < 9; i++) {
        // the shards hosted on every node run it: each has the agent from the mirror
        reviews.add(cluster.submit(i, "{\"prompt\": \"review " + i + "\", "
            + "\"agent\": \"reviewer\", \"idempotencyKey\": \"review-" + i + "\"}"));
      }
      for (String id : reviews) {
        await().atMost(Duration.ofMinutes(1)).until(() -> "succeeded".equals(
            cluster.node(2).status(id)));
        JsonNode job = cluster.node(1).job(id);
        assertEquals("reviewer", job.path("agent").asText(), job.toString());
        assertEquals("reviewed", job.path("result").path("text").asText(), job.toString());
      }
    } finally {
      endpoint.stop(0);
    }
    // each job left a summary in the agent's memory, from whichever node ran it
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(2)
        .get("/v1/agents/reviewer/memory").path("lastSeq").asLong() == 9);
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> appended = cluster.node(0).call("POST",
          "/v1/agents/reviewer/memory", "{\"kind\": \"note\", \"text\": \"note " + i + "\"}");
      assertEquals(201, appended.statusCode(), appended.body());
    }
    // one memory for the agent: the summaries, then the notes, numbered 1..12 without a gap or a
    // repeat
    for (int n = 1; n < cluster.size(); n++) {
      JsonNode memory = cluster.node(n).get("/v1/agents/reviewer/memory");
      List<Long> seqs = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      memory.path("entries").forEach(entry -> {
        seqs.add(entry.path("seq").asLong());
        kinds.add(entry.path("kind").asText());
      });
      assertEquals(LongStream.rangeClosed(1, 12).boxed().toList(), seqs, memory.toString());
      assertEquals(9, kinds.stream().filter("summary"::equals).count(), memory.toString());
      assertEquals("note 3", memory.path("entries").path(11).path("text").asText(),
          memory.toString());
    }
    return reviews;
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
