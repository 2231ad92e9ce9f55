package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import io.workmate.bench.common.KeepAliveConnection;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One throughput run: {@code jobs} echo jobs submitted over keep-alive HTTP/1.1 connections
 * ({@link KeepAliveConnection}, the jobs bench's lean client), closed-loop (each connection sends
 * its next job once the last is answered), connection {@code k} to node {@code k mod n}; then
 * the wait until the cluster has run them all to {@code succeeded}. The clock runs from the
 * first submit to the first poll that sees the last success ({@link SucceededCount#fromMetrics},
 * every 50 ms). A 503 (a shard moving) is sent again to the next node, as the README tells
 * clients to; the job's idempotency key keeps it one job.
 */
final class ThroughputRun {

  /** Polls of the succeeded count while the jobs drain. */
  private static final Duration COUNT_EVERY = Duration.ofMillis(50);
  /** Tries of one job before the run gives it up (IO errors, statuses other than 202 and 503). */
  private static final int TRIES = 5;
  /** 503s of one job before the run gives it up: a shard moves in seconds, not for minutes. */
  private static final int MOVES = 20;

  /**
   * What a run did.
   *
   * @param accepted jobs answered 202 (the clock waits for these)
   * @param retried 503s sent again to another node
   * @param failed jobs given up (IO errors or statuses other than 202 {@link #TRIES} times, or
   *     more than {@link #MOVES} 503s)
   * @param submitSeconds first submit to the last 202
   * @param seconds first submit to the last success seen
   * @param completed whether every accepted job succeeded before the deadline
   * @param cpu who used the CPUs over the run
   */
  record Result(int accepted, long retried, long failed, double submitSeconds, double seconds,
      boolean completed, CpuShares.Reading cpu, String firstError) {

    double jobsPerSecond() {
      return accepted / seconds;
    }

    /** CPU milliseconds of the nodes' JVMs per job. */
    double nodeMillisPerJob() {
      return cpu.nodes() * seconds * 1000 / accepted;
    }
  }

  private final LocalCluster cluster;
  private final List<ClusterNode> nodes;
  private final String tag;
  private final int jobs;
  private final int connections;
  /** Per node index, the shards it hosts, when every job is to land on its node; else null. */
  private final List<List<Integer>> localShards;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  /**
   * {@code tag} makes the idempotency keys of this run its own. With {@code localSubmits} each
   * job's key is chosen so that its shard lives on the node the job is sent to (from the
   * cluster's shard map), so no submit crosses nodes: an experiment that shows what crossing
   * costs, not what a client does.
   */
  ThroughputRun(LocalCluster cluster, String tag, int jobs, int connections,
      boolean localSubmits) {
    this.cluster = cluster;
    this.nodes = cluster.nodes();
    this.tag = tag;
    this.jobs = jobs;
    this.connections = connections;
    this.localShards = localSubmits && nodes.size() > 1 ? nodes.stream()
        .map(node -> cluster.shardMap().entrySet().stream()
            .filter(entry -> entry.getValue().equals(node.name())).map(Map.Entry::getKey)
            .toList()).toList() : null;
  }

  Result run() throws InterruptedException, IOException {
    // every connection is open before the clock starts, one after the other: opened all at
    // once, a few hundred connects overrun the accept queue and wait out SYN retries
    List<KeepAliveConnection[]> opened = new ArrayList<>();
    for (int k = 0; k < connections; k++) {
      KeepAliveConnection[] open = new KeepAliveConnection[nodes.size()];
      int home = k % nodes.size();
      open[home] = KeepAliveConnection.open(URI.create(nodes.get(home).url()));
      opened.add(open);
    }
    long baseline = SucceededCount.fromMetrics(nodes);
    CpuShares cpu = CpuShares.start(cluster);
    long start = System.nanoTime();
    List<Thread> submitters = new ArrayList<>();
    for (int k = 0; k < connections; k++) {
      int home = k % nodes.size();
      KeepAliveConnection[] open = opened.get(k);
      Thread submitter = new Thread(() -> submit(home, open), "submit-" + k);
      submitter.setDaemon(true);
      submitters.add(submitter);
      submitter.start();
    }
    for (Thread submitter : submitters) {
      submitter.join();
    }
    long submitted = System.nanoTime();
    long target = baseline + accepted.get();
    // every job accepted must succeed; an echo job takes milliseconds, so a minute past the
    // last submit means something is wrong rather than slow
    boolean completed = Poll.until(Duration.ofSeconds(60), COUNT_EVERY,
        () -> SucceededCount.fromMetrics(nodes) >= target ? Optional.of(true)
            : Optional.<Boolean>empty()).isPresent();
    long end = System.nanoTime();
    return new Result(accepted.get(), retried.get(), failed.get(), (submitted - start) / 1e9,
        (end - start) / 1e9, completed, cpu.read(), firstError.get());
  }

  private String key(int home, int index) {
    if (localShards == null) {
      return tag + "-" + index;
    }
    List<Integer> hosted = localShards.get(home);
    return ShardMap.keyInShard(tag + "-" + index, hosted.get(index % hosted.size()),
        cluster.shards());
  }

  /**
   * One connection's loop: its jobs go to node {@code home}, a 503 to the next node; {@code
   * open} holds its connection per node (the home one open already, the others opened when a
   * 503 first sends a job there).
   */
  private void submit(int home, KeepAliveConnection[] open) {
    try {
      for (int index = next.getAndIncrement(); index < jobs; index = next.getAndIncrement()) {
        String body = "{\"prompt\":\"" + tag + " " + index + "\",\"agent\":\"echo\","
            + "\"idempotencyKey\":\"" + key(home, index) + "\"}";
        int target = home;
        int errors = 0;
        int moves = 0;
        while (true) {
          int status;
          try {
            if (open[target] == null) {
              open[target] = KeepAliveConnection.open(URI.create(nodes.get(target).url()));
            }
            status = open[target].post("/v1/jobs", body);
          } catch (IOException e) {
            firstError.compareAndSet(null, nodes.get(target).name() + ": " + e);
            KeepAliveConnection.closeQuietly(open[target]);
            open[target] = null;
            status = -1;
          }
          if (status == 202) {
            accepted.incrementAndGet();
            break;
          }
          if (status == 503 && ++moves <= MOVES) {
            retried.incrementAndGet();
            target = (target + 1) % nodes.size();
            continue;
          }
          if (status > 0) {
            firstError.compareAndSet(null, nodes.get(target).name() + ": HTTP " + status);
          }
          if (++errors >= TRIES || moves > MOVES) {
            failed.incrementAndGet();
            break;
          }
        }
      }
    } finally {
      for (KeepAliveConnection connection : open) {
        KeepAliveConnection.closeQuietly(connection);
      }
    }
  }
}
