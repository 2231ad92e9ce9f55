package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A single service's data dir moved into a cluster, the documented way (deploy/README.md): a
 * real {@code serve} on the embedded journal with an http agent, its memory and jobs, killed with
 * SIGKILL while one of them runs; {@code workmate export} of its data dir (refused while the
 * service holds it); then {@code workmate import} into a real cluster node on a real PostgreSQL:
 * the agent, its memory and the unfinished jobs are there (a job with a key keeps its id), the
 * jobs run, the finished ones are not run again, and a second import changes nothing.
 */
class ExportImportIT {

  private Path tmp;
  private ExecutorService handlers;
  private HttpServer endpoint;
  /** The agent's endpoint holds every call until this opens. */
  private final CountDownLatch open = new CountDownLatch(1);
  private PrivatePostgres postgres;
  private TestCluster cluster;

  @BeforeEach
  void start() throws Exception {
    tmp = Files.createTempDirectory("workmate-export-it",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    handlers = Executors.newCachedThreadPool();
    endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.setExecutor(handlers);
    endpoint.createContext("/", exchange -> {
      try {
        open.await(5, TimeUnit.MINUTES);
        byte[] body = "{\"text\": \"reviewed\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    });
    endpoint.start();
  }

  @AfterEach
  void stop() throws Exception {
    open.countDown();
    endpoint.stop(0);
    handlers.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    try (Stream<Path> tree = Files.walk(tmp)) {
      tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void aSingleServicesAgentsMemoryAndUnfinishedJobsMoveIntoACluster() throws Exception {
    Path data = tmp.resolve("single");
    Path file = tmp.resolve("export.jsonl");
    List<String> finished = new ArrayList<>();
    List<String> unfinished = new ArrayList<>();
    Path repo = gitRepository(tmp.resolve("repo"));
    String baseCommit = git(repo, "rev-parse", "HEAD");
    try (ServeProcess single = ServeProcess.start(tmp, "single", data,
        Map.of("WORKMATE_JOBS_ECHO_AGENT", "on"))) {
      HttpResponse<String> registered = single.call("POST", "/v1/agents", "{\"id\": "
          + "\"reviewer\", \"kind\": \"http\", \"capabilities\": [\"review\"], "
          + "\"maxConcurrent\": 1, \"ttlSeconds\": 3600, \"endpoint\": \"http://127.0.0.1:"
          + endpoint.getAddress().getPort() + "/\"}");
      assertEquals(201, registered.statusCode(), registered.body());
      for (int i = 1; i <= 3; i++) {
        HttpResponse<String> appended = single.call("POST", "/v1/agents/reviewer/memory",
            "{\"kind\": \"fact\", \"text\": \"fact " + i + "\", \"tags\": [\"t" + i + "\"]}");
        assertEquals(201, appended.statusCode(), appended.body());
      }
      for (int i = 0; i < 2; i++) {
        finished.add(single.submit("{\"prompt\": \"done " + i + "\", \"agent\": \"echo\"}"));
      }
      for (String id : finished) {
        await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(single.status(id)));
      }
      // one runs (held by the endpoint), three wait for the agent's one slot
      for (int i = 0; i < 4; i++) {
        String key = i < 2 ? ", \"idempotencyKey\": \"move-" + i + "\"" : "";
        unfinished.add(single.submit("{\"prompt\": \"review " + i + "\", \"agent\": "
            + "\"reviewer\", \"maxAttempts\": 5" + key + "}"));
      }
      // and one in a git worktree of a repository
      unfinished.add(single.submit("{\"prompt\": \"review the repo\", \"agent\": "
          + "\"reviewer\", \"workspace\": {\"repo\": \"" + repo + "\"}}"));
      await().atMost(Duration.ofSeconds(30)).until(() -> single.count("running") == 1);

      ServeProcess.CliRun busy = export(data, tmp.resolve("refused.jsonl"));
      assertEquals(5, busy.exit(), busy.err());
      assertTrue(busy.err().contains("stop the service before exporting"), busy.err());

      single.signal("KILL");
      assertEquals(137, single.awaitExit(Duration.ofSeconds(30)));
    }

    ServeProcess.CliRun exported = export(data, file);
    assertEquals(0, exported.exit(), exported.err());
    assertTrue(exported.out().contains("exported 7 jobs (5 unfinished), 3 agents and the memory "
        + "of 1 agents"), exported.out());

    open.countDown(); // from here on the agent answers
    postgres = PrivatePostgres.start(tmp);
    cluster = TestCluster.start(tmp, postgres, 1);
    ServeProcess node = cluster.node(0);
    ServeProcess.CliRun imported = node.cli("import", file.toString());
    assertEquals(0, imported.exit(), imported.out() + imported.err());
    assertTrue(imported.out().contains("imported 1 agents (2 codex/echo agents left to each "
        + "node), the memory of 1 agents (3 entries appended), 5 unfinished jobs submitted "
        + "again; 2 finished jobs stay in"), imported.out());

    assertTrue(node.get("/v1/agents").toString().contains("\"reviewer\""));
    // a job with a key keeps its id; every unfinished job runs once in the cluster
    assertEquals(unfinished.get(0), node.job(unfinished.get(0)).path("id").asText());
    assertEquals(unfinished.get(1), node.job(unfinished.get(1)).path("id").asText());
    await().atMost(Duration.ofMinutes(1)).until(() -> node.count("succeeded") == 5);
    assertEquals(5, node.get("/v1/jobs?limit=1000").path("jobs").size(),
        "only the unfinished jobs came along");
    JsonNode inWorktree = node.job(node.get("/v1/jobs?limit=1000").path("jobs").findValues("id")
        .stream().map(JsonNode::asText).filter(id -> {
          try {
            return node.job(id).has("workspace");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).findFirst().orElseThrow());
    assertEquals(repo.toString(), inWorktree.path("workspace").path("repo").asText(),
        inWorktree.toString());
    assertEquals(baseCommit, inWorktree.path("workspace").path("baseCommit").asText(),
        "the same starting commit");
    JsonNode memory = node.get("/v1/agents/reviewer/memory?tag=t2");
    assertEquals(1, memory.path("entries").size(), memory.toString());
    assertEquals("fact 2", memory.path("entries").path(0).path("text").asText());
    assertEquals(2, memory.path("entries").path(0).path("seq").asLong(), "the order is kept");

    ServeProcess.CliRun again = node.cli("import", file.toString());
    assertEquals(0, again.exit(), again.out() + again.err());
    assertTrue(again.out().contains("(0 entries appended), 5 unfinished jobs"), again.out());
    assertEquals(5, node.get("/v1/jobs?limit=1000").path("jobs").size(), "no job twice");
    assertEquals(3, node.get("/v1/agents/reviewer/memory?q=fact").path("entries").size(),
        "no entry twice");

    Path garbage = Files.writeString(tmp.resolve("garbage.jsonl"), "{\"jobs\": []}\n");
    ServeProcess.CliRun refused = node.cli("import", garbage.toString());
    assertEquals(2, refused.exit(), refused.err());
    assertTrue(refused.err().contains("not a line of a Workmate export")
        || refused.err().contains("is not a Workmate export"), refused.err());
  }

  /** A git repository with one commit at {@code dir}. */
  private static Path gitRepository(Path dir) throws Exception {
    Files.createDirectories(dir);
    git(dir, "init", "-q", "-b", "main");
    Files.writeString(dir.resolve("README"), "a repository\n");
    git(dir, "add", "README");
    git(dir, "-c", "user.name=it", "-c", "user.email=it@example.invalid", "commit", "-q", "-m",
        "first");
    return dir;
  }

  private static String git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, git.waitFor(), "git " + String.join(" ", args) + ": " + out);
    return out;
  }

  /** {@code bin/workmate export --data DATA --out FILE}. */
  private static ServeProcess.CliRun export(Path data, Path file) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(ServeProcess.ROOT.resolve("bin/workmate")
        .toString(), "export", "--data", data.toString(), "--out", file.toString());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    Path out = Files.createTempFile(data.getParent(), "export", ".out");
    Path err = Files.createTempFile(data.getParent(), "export", ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("workmate export did not finish within 2 minutes: "
          + Files.readString(err));
    }
    return new ServeProcess.CliRun(process.exitValue(), Files.readString(out),
        Files.readString(err));
  }
}
