package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Real {@code workmate serve} nodes of one cluster on a {@link PrivatePostgres}, on 127.0.0.1
 * (node-a, node-b, ...; every node's seed list names them all, node-a first), with the echo
 * agent on. A client of it submits as a load balancer would: round-robin, and after a 503 or a
 * refused connection to the next node, the idempotency key keeping it one job.
 */
final class TestCluster implements AutoCloseable {

  private final Path dir;
  private final PrivatePostgres postgres;
  private final int[] ports;
  private final String seeds;
  /** Read by a load thread while the test restarts nodes. */
  private final List<ServeProcess> nodes = new CopyOnWriteArrayList<>();
  /** Set when this cluster made its temp dir and PostgreSQL, and so ends them. */
  private boolean ownsDirAndPostgres;

  private TestCluster(Path dir, PrivatePostgres postgres, int size) throws IOException {
    this.dir = dir;
    this.postgres = postgres;
    this.ports = freePorts(size);
    List<String> addresses = new ArrayList<>();
    for (int port : ports) {
      addresses.add("127.0.0.1:" + port);
    }
    this.seeds = String.join(",", addresses);
  }

  /** Starts {@code size} nodes (the first alone, the others at once) and waits until ready. */
  static TestCluster start(Path dir, PrivatePostgres postgres, int size) throws Exception {
    TestCluster cluster = new TestCluster(dir, postgres, size);
    cluster.nodes.add(cluster.launch(0));
    List<CompletableFuture<ServeProcess>> joining = new ArrayList<>();
    for (int n = 1; n < size; n++) {
      int index = n;
      joining.add(CompletableFuture.supplyAsync(() -> {
        try {
          return cluster.launch(index);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (CompletableFuture<ServeProcess> node : joining) {
      cluster.nodes.add(node.get(3, TimeUnit.MINUTES));
    }
    cluster.nodes.forEach(TestCluster::awaitReady);
    return cluster;
  }

  /**
   * {@code size} nodes on a PostgreSQL of their own in a new temp dir ({@code prefix}), all
   * three ended by {@link #close()}.
   */
  static TestCluster onOwnPostgres(String prefix, int size) throws Exception {
    Path dir = Files.createTempDirectory(prefix,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    PrivatePostgres postgres = PrivatePostgres.start(dir);
    try {
      TestCluster cluster = start(dir, postgres, size);
      cluster.ownsDirAndPostgres = true;
      return cluster;
    } catch (Exception | AssertionError e) {
      postgres.close();
      throw e;
    }
  }

  PrivatePostgres postgres() {
    return postgres;
  }

  static String name(int index) {
    return "node-" + (char) ('a' + index);
  }

  ServeProcess node(int index) {
    return nodes.get(index);
  }

  int size() {
    return nodes.size();
  }

  /** Starts node {@code index} again (after it stopped or was killed) and waits until ready. */
  ServeProcess restart(int index) throws Exception {
    nodes.set(index, launch(index));
    awaitReady(nodes.get(index));
    return nodes.get(index);
  }

  static void awaitReady(ServeProcess node) {
    await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
        .until(() -> node.call("GET", "/v1/ready", null).statusCode() == 200);
  }

  /**
   * Submits to node {@code i mod size} and, on a 503 (a shard being placed or moved, a node
   * leaving) or a node that is gone, to the next; the id of the job.
   */
  String submit(int i, String json) throws Exception {
    return submit(i, json, 30, (status, took) -> { });
  }

  /**
   * As {@link #submit(int, String)}, trying at most {@code tries} times and telling {@code seen}
   * each answer's status and how long it took (a node that is gone: status 0).
   */
  String submit(int i, String json, int tries, BiConsumer<Integer, Duration> seen)
      throws Exception {
    String last = null;
    for (int attempt = 0; attempt < tries; attempt++) {
      ServeProcess node = nodes.get((i + attempt) % nodes.size());
      HttpResponse<String> response;
      long started = System.nanoTime();
      try {
        response = node.call("POST", "/v1/jobs", json);
      } catch (IOException e) {
        seen.accept(0, Duration.ofNanos(System.nanoTime() - started));
        last = e.toString(); // the node is down: the next one
        continue;
      }
      seen.accept(response.statusCode(), Duration.ofNanos(System.nanoTime() - started));
      if (response.statusCode() == 202 || response.statusCode() == 200) {
        return ServeProcess.JSON.readTree(response.body()).path("id").asText();
      }
      assertEquals(503, response.statusCode(), "submit " + json + ": " + response.body());
      assertTrue(response.body().contains("\"error\""), response.body());
      last = response.body();
    }
    throw new AssertionError("submit " + json + " kept failing: " + last);
  }

  /** The job ledger's rows in the shared journal, read with plain SQL. */
  LedgerJournal journal() throws Exception {
    Map<String, String> journal = postgres.journal();
    try (Connection db = DriverManager.getConnection(journal.get("WORKMATE_JOURNAL_POSTGRES_URL"),
        journal.get("WORKMATE_JOURNAL_POSTGRES_USER"),
        journal.get("WORKMATE_JOURNAL_POSTGRES_PASSWORD"))) {
      return LedgerJournal.read(db);
    }
  }

  private ServeProcess launch(int index) throws Exception {
    Map<String, String> env = new LinkedHashMap<>(postgres.journal());
    env.put("WORKMATE_CLUSTER_ENABLED", "on");
    env.put("WORKMATE_CLUSTER_HOST", "127.0.0.1");
    env.put("WORKMATE_CLUSTER_PORT", Integer.toString(ports[index]));
    env.put("WORKMATE_CLUSTER_SEED_NODES", seeds);
    env.put("WORKMATE_CLUSTER_NODE_NAME", name(index));
    env.put("WORKMATE_JOBS_ECHO_AGENT", "on");
    return ServeProcess.start(dir, name(index) + "-" + System.nanoTime(),
        dir.resolve("data-" + name(index)), env);
  }

  /**
   * Stops every node, keeping their logs for a failed run; and PostgreSQL and the temp dir when
   * this cluster made them.
   */
  @Override
  public void close() throws Exception {
    Path kept = Path.of(System.getProperty("java.io.tmpdir"), "workmate-cluster-it-logs");
    Files.createDirectories(kept);
    try (Stream<Path> logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".err")).toList()) {
        Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    nodes.forEach(ServeProcess::close);
    if (ownsDirAndPostgres) {
      postgres.close();
      try (Stream<Path> tree = Files.walk(dir)) {
        tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  private static int[] freePorts(int count) throws IOException {
    int[] ports = new int[count];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int n = 0; n < count; n++) {
        ServerSocket socket = new ServerSocket(0);
        held.add(socket);
        ports[n] = socket.getLocalPort();
      }
    } finally {
      for (ServerSocket socket : held) {
        socket.close();
      }
    }
    return ports;
  }
}
