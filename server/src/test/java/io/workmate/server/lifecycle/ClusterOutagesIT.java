package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A three-node cluster on a real PostgreSQL under a steady submit load (a client that, like a
 * load balancer, sends a 503 or a refused request to the next node): every node restarted in
 * turn (SIGTERM, then started again), and the database stopped for 10 s. Nothing acknowledged is
 * lost or run twice, no attempt fails because of it, and while the database is away a submit
 * answers 503 with a JSON error, never a 500 or a hang.
 */
class ClusterOutagesIT {

  private TestCluster cluster;
  private final List<String> acknowledged = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private Thread load;

  /** One answer to a submit: its status (0: no node there) and time. */
  private record Seen(int status, Duration took) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    cluster = TestCluster.onOwnPostgres("workmate-cluster-outages-it", 3);
  }

  @AfterEach
  void stop() throws Exception {
    loading.set(false);
    if (load != null) {
      load.join(120_000);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRollingRestartUnderLoadLosesNothingRunsNothingTwiceAndFailsNoAttempt() throws Exception {
    startLoad();
    for (int n = 0; n < cluster.size(); n++) {
      int before = acknowledged.size();
      cluster.node(n).signal("TERM");
      assertEquals(0, cluster.node(n).awaitExit(Duration.ofMinutes(2)),
          "a node stops cleanly after leaving the cluster");
      cluster.restart(n);
      int at = n;
      await().atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() > before + 20);
      assertTrue(problems.isEmpty(), "node " + at + ": " + problems);
    }
    stopLoadAndCheck();
  }

  @Test
  void theDatabaseAwayForTenSecondsIsA503ThenEverythingResumes() throws Exception {
    startLoad();
    await().atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() > 50);
    cluster.postgres().stopServer();
    int seenBefore = seen.size();
    long stopped = System.nanoTime();
    // the journal check (every 2 s, on a connection it keeps) notices the outage
    await().atMost(Duration.ofSeconds(9)).until(() ->
        cluster.node(0).call("GET", "/v1/ready", null).statusCode() == 503);
    Thread.sleep(Math.max(0, 10_000 - (System.nanoTime() - stopped) / 1_000_000));
    cluster.postgres().restart();
    List<Seen> duringOutage = List.copyOf(seen.subList(seenBefore, seen.size()));
    assertTrue(duringOutage.stream().anyMatch(answer -> answer.status() == 503),
        "the outage was seen as 503s: " + duringOutage);
    for (Seen answer : duringOutage) {
      assertTrue(answer.status() == 202 || answer.status() == 503, "a submit answered "
          + answer.status() + " while the database was away");
      assertTrue(answer.took().compareTo(Duration.ofSeconds(15)) < 0,
          "a submit took " + answer.took());
    }
    for (int n = 0; n < cluster.size(); n++) {
      // its kept connection died with the server: the check connects again
      TestCluster.awaitReady(cluster.node(n));
    }
    int after = acknowledged.size();
    await().atMost(Duration.ofMinutes(2)).until(() -> acknowledged.size() > after + 50);
    stopLoadAndCheck();
    for (int n = 0; n < cluster.size(); n++) {
      assertTrue(cluster.node(n).process().isAlive(), "no node was downed by the outage");
    }
  }

  /** Submits a job every 40 ms, every fourth a codex turn that takes a moment. */
  private void startLoad() {
    load = new Thread(() -> {
      for (int i = 0; loading.get(); i++) {
        String json = i % 4 == 0
            ? "{\"prompt\": \"[[delay:400]][[reply:turn " + i + "]]\", \"idempotencyKey\": \"load-"
                + i + "\"}"
            : "{\"prompt\": \"echo " + i + "\", \"agent\": \"echo\", \"idempotencyKey\": \"load-"
                + i + "\"}";
        try {
          acknowledged.add(cluster.submit(i, json, 200,
              (status, took) -> seen.add(new Seen(status, took))));
          Thread.sleep(40);
        } catch (Throwable e) {
          problems.add("submit " + i + ": " + e);
          return;
        }
      }
    }, "cluster-load");
    load.setDaemon(true);
    load.start();
  }

  /** Every acknowledged job succeeds, once, with no failed attempt; and nothing else ran. */
  private void stopLoadAndCheck() throws Exception {
    loading.set(false);
    load.join(120_000);
    assertTrue(problems.isEmpty(), problems.toString());
    Set<String> ids = new HashSet<>(acknowledged);
    assertEquals(acknowledged.size(), ids.size(), "every submit is a job of its own");
    ServeProcess any = cluster.node(0);
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
        .until(() -> any.count("succeeded") >= ids.size());
    LedgerJournal journal = cluster.journal();
    Map<String, Integer> succeeded = journal.succeeded();
    assertEquals(ids, succeeded.keySet(), "exactly the acknowledged jobs succeeded");
    succeeded.forEach((id, count) -> assertEquals(1, count, "succeeded events of " + id));
    assertEquals(Map.of(), journal.failedAttempts(), "no attempt failed");
  }
}
