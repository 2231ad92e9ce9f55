package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.bench.soak.ServiceApi;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which node hosts which job shard, found out the way a client can: one echo job per shard (an
 * idempotency key chosen so that its id lands in that shard, with the service's own
 * {@link JobIds} and {@link JobLedger#shardOf}), and the node named in the agent that ran it
 * ({@code echo@node-b}). The service has no endpoint that says where a shard lives.
 */
final class ShardMap {

  private static final Duration PROBE_LIMIT = Duration.ofSeconds(45);
  private static final AtomicInteger ROUNDS = new AtomicInteger();

  private ShardMap() {}

  /** An idempotency key, starting with {@code prefix}, whose job lands in {@code shard}. */
  static String keyInShard(String prefix, int shard, int shards) {
    for (int n = 0; ; n++) {
      String key = prefix + "-" + n;
      if (JobLedger.shardOf(JobIds.forIdempotencyKey(key), shards) == shard) {
        return key;
      }
    }
  }

  /** The shard of the job that {@code idempotencyKey} names. */
  static int shardOfKey(String idempotencyKey, int shards) {
    return JobLedger.shardOf(JobIds.forIdempotencyKey(idempotencyKey), shards);
  }

  /**
   * Shard → node name, probed now through {@code nodes} (live ones); an exception when a probe
   * job does not succeed within 45 s.
   */
  static Map<Integer, String> probe(List<ClusterNode> nodes, int shards) {
    int round = ROUNDS.incrementAndGet();
    ExecutorService pool = Executors.newFixedThreadPool(shards);
    try {
      List<CompletableFuture<String>> hosts = new ArrayList<>();
      for (int shard = 0; shard < shards; shard++) {
        String key = keyInShard("probe-" + round + "-" + shard, shard, shards);
        List<ServiceApi> apis = nodes.stream().map(ClusterNode::api).toList();
        int first = shard;
        hosts.add(CompletableFuture.supplyAsync(() -> hostOf(apis, first, key), pool));
      }
      Map<Integer, String> map = new TreeMap<>();
      for (int shard = 0; shard < shards; shard++) {
        map.put(shard, hosts.get(shard).join());
      }
      return map;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Shards per node name, for a line of the report: {@code node-a 4, node-b 4, node-c 4}. */
  static Map<String, Integer> counts(Map<Integer, String> map) {
    Map<String, Integer> counts = new TreeMap<>();
    map.values().forEach(node -> counts.merge(node, 1, Integer::sum));
    return counts;
  }

  /** Whether every one of {@code nodes} hosts its even share (counts differ by at most 1). */
  static boolean balanced(Map<Integer, String> map, List<String> nodes) {
    Map<String, Integer> counts = counts(map);
    int min = nodes.stream().mapToInt(node -> counts.getOrDefault(node, 0)).min().orElse(0);
    int max = nodes.stream().mapToInt(node -> counts.getOrDefault(node, 0)).max().orElse(0);
    return min > 0 && max - min <= 1 && counts.keySet().stream().allMatch(nodes::contains);
  }

  /** Submits the probe (again on another node after a 503: the shard moves) and reads its agent. */
  private static String hostOf(List<ServiceApi> apis, int first, String key) {
    JsonNode body = ServiceApi.JSON.createObjectNode().put("prompt", "where is my shard")
        .put("agent", "echo").put("idempotencyKey", key);
    String id = JobIds.forIdempotencyKey(key);
    int[] attempt = {first};
    Optional<String> agent = Poll.until(PROBE_LIMIT, Duration.ofMillis(100), () -> {
      ServiceApi api = apis.get(attempt[0]++ % apis.size());
      ServiceApi.Answer submitted = api.post("/v1/jobs", body);
      if (!submitted.ok()) {
        return Optional.empty();
      }
      ServiceApi.Answer job = api.get("/v1/jobs/" + id);
      return job.ok() && job.body().path("status").asText().equals("succeeded")
          ? Optional.of(job.body().path("agent").asText()) : Optional.empty();
    });
    String ran = agent.orElseThrow(() -> new IllegalStateException("the probe job " + id
        + " (key " + key + ") did not succeed within " + PROBE_LIMIT.toSeconds() + " s"));
    int at = ran.indexOf('@');
    if (at < 0) {
      throw new IllegalStateException("the probe job " + id + " ran on agent '" + ran
          + "', which names no node");
    }
    return ran.substring(at + 1);
  }
}
