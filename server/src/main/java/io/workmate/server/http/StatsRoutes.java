package io.workmate.server.http;

import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.server.service.JobRateWindow;
import io.workmate.server.service.JobRates;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/stats}: the queue's figures of {@code /metrics} as JSON (queue depth by
 * priority, running per agent, jobs per status) and the jobs finished per minute over the last
 * hour, which the dashboard charts.
 */
final class StatsRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final Optional<ActorRef<JobRates.Command>> rates;

  StatsRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      Optional<ActorRef<JobRates.Command>> rates) {
    this.system = system;
    this.dispatcher = dispatcher;
    this.rates = rates;
  }

  List<Operation> operations() {
    return List.of(Operation.get("/v1/stats", "The job queue in figures: queued by "
            + "priority, running by agent, jobs by status, and jobs finished per minute over "
            + "the last hour (succeeded, dead, cancelled; in a cluster: of this node's shards)")
        .responds(200, "{\"queued\", \"running\", \"queuedByPriority\", \"runningByAgent\", "
            + "\"byStatus\", \"rates\": {\"bucketSeconds\", \"buckets\": [...]}}", Stats.class)
        .responds(503, "the job dispatcher did not answer")
        .route(this::stats));
  }

  /** {@code GET /v1/stats}; priorities highest first, as they run. */
  record Stats(int queued, int running, Map<String, Integer> queuedByPriority,
      Map<String, Integer> runningByAgent, Map<String, Long> byStatus, Rates rates) {}

  /** Finished jobs per bucket, oldest first; the last bucket is the current minute. */
  record Rates(long bucketSeconds, List<Bucket> buckets) {}

  record Bucket(String start, long succeeded, long dead, long cancelled) {}

  private Route stats() {
    CompletionStage<JobStats> stats = Asks.ask(system, dispatcher, JobDispatcher.GetStats::new,
        ASK_TIMEOUT);
    CompletionStage<List<JobRateWindow.Bucket>> window = rates.isEmpty()
        ? CompletableFuture.completedFuture(List.of())
        : Asks.<JobRates.Command, JobRates.Rates>ask(system, rates.get(), JobRates.GetRates::new,
            ASK_TIMEOUT).thenApply(JobRates.Rates::buckets);
    return onSuccess(stats.thenCombine(window, StatsRoutes::view),
        body -> Responses.json(200, body));
  }

  static Stats view(JobStats stats, List<JobRateWindow.Bucket> buckets) {
    Map<String, Integer> byPriority = new LinkedHashMap<>();
    new TreeMap<>(stats.queuedByPriority()).descendingMap()
        .forEach((priority, depth) -> byPriority.put(Integer.toString(priority), depth));
    Map<String, Long> byStatus = new LinkedHashMap<>();
    for (JobStatus status : JobStatus.values()) {
      byStatus.put(status.wireName(), stats.byStatus().getOrDefault(status, 0L));
    }
    return new Stats(stats.queued(), stats.running(), byPriority,
        new TreeMap<>(stats.runningByAgent()), byStatus,
        new Rates(JobRateWindow.BUCKET.toSeconds(), buckets.stream()
            .map(b -> new Bucket(b.start().toString(), b.succeeded(), b.dead(), b.cancelled()))
            .toList()));
  }
}
