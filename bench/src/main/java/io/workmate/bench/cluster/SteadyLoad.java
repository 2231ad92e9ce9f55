package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import io.workmate.jobs.JobIds;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A light, steady load of echo jobs at a fixed rate, round-robin over some nodes (the survivors
 * of the kill to come), asynchronous so that a submit held up by a dead shard (sharding buffers
 * it for up to 10 s, then the node answers 503) does not hold up the ones due after it. A 503 or
 * no answer is sent again, 200 ms later, to the next node, as the README tells clients to; the
 * idempotency key keeps it one job. Every job's id and shard are known before it is sent.
 */
final class SteadyLoad implements AutoCloseable {

  /** How long one job is sent again before the load gives up on it. */
  private static final Duration GIVE_UP = Duration.ofSeconds(90);
  private static final Executor RETRY_DELAY =
      CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS);

  /** One job of the load; {@code ackedNanos} is 0 until its 202 came. */
  static final class Job {
    final String id;
    final int shard;
    final long submittedNanos;
    volatile long ackedNanos;
    volatile String failure;

    Job(String id, int shard, long submittedNanos) {
      this.id = id;
      this.shard = shard;
      this.submittedNanos = submittedNanos;
    }

    boolean acked() {
      return ackedNanos != 0;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<ClusterNode> targets;
  private final String tag;
  private final int shards;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private final ConcurrentLinkedQueue<Job> jobs = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();

  private SteadyLoad(List<ClusterNode> targets, String tag, int shards) {
    this.targets = List.copyOf(targets);
    this.tag = tag;
    this.shards = shards;
  }

  /** Starts sending {@code rate} jobs a second to {@code targets} in turn. */
  static SteadyLoad start(List<ClusterNode> targets, String tag, int rate, int shards) {
    SteadyLoad load = new SteadyLoad(targets, tag, shards);
    load.ticker.scheduleAtFixedRate(load::sendNext, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
    return load;
  }

  private void sendNext() {
    int index = sent.getAndIncrement();
    String key = tag + "-" + index;
    String id = JobIds.forIdempotencyKey(key);
    Job job = new Job(id, ShardMap.shardOfKey(key, shards), System.nanoTime());
    jobs.add(job);
    open.incrementAndGet();
    String body = "{\"prompt\":\"" + key + "\",\"agent\":\"echo\",\"idempotencyKey\":\"" + key
        + "\"}";
    send(job, body, index % targets.size());
  }

  private void send(Job job, String body, int target) {
    if (System.nanoTime() - job.submittedNanos > GIVE_UP.toNanos()) {
      job.failure = "no 202 within " + GIVE_UP.toSeconds() + " s";
      open.decrementAndGet();
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(targets.get(target).url()
            + "/v1/jobs")).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete(
        (response, failure) -> {
          int status = failure == null ? response.statusCode() : 0;
          if (status == 202) {
            job.ackedNanos = System.nanoTime();
            open.decrementAndGet();
          } else if (status == 503 || status == 0) {
            CompletableFuture.runAsync(() -> send(job, body, (target + 1) % targets.size()),
                RETRY_DELAY);
          } else {
            job.failure = targets.get(target).name() + ": HTTP " + status;
            open.decrementAndGet();
          }
        });
  }

  /** The jobs sent so far, in the order they were due. */
  List<Job> jobs() {
    return List.copyOf(jobs);
  }

  /** Stops sending new jobs and waits up to {@code limit} for the answers still open. */
  void stop(Duration limit) {
    ticker.shutdownNow();
    Poll.until(limit, Duration.ofMillis(100),
        () -> open.get() == 0 ? Optional.of(true) : Optional.empty());
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
