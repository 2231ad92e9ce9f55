package io.workmate.bench.cluster;

import io.workmate.bench.soak.ServiceApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * How many jobs the cluster has run to {@code succeeded}, two ways.
 *
 * <ul>
 *   <li>{@link #fromMetrics}: the sum over the nodes of {@code /metrics}'
 *       {@code workmate_job_attempts_total{outcome="succeeded"}}. Cheap (one small text page per
 *       node), so the bench polls it to stop the clock. In a cluster it is correct only as a sum
 *       and only while no node dies: a counter is registered once per node and shared by the
 *       shards the node hosts, so each node counts the attempts that ended there. The
 *       per-status gauge {@code workmate_jobs{status="succeeded"}} cannot be used: it shows the
 *       first shard the node hosted (docs/architecture.md, "In a cluster"), and {@code
 *       /v1/status} has no succeeded count at all.
 *   <li>{@link #fromListing}: {@code GET /v1/jobs?status=succeeded} paged to its end on one
 *       node, which asks every shard per page: exact, but it costs the cluster real work, so
 *       the bench runs it once after the clock stopped, as a check.
 * </ul>
 */
final class SucceededCount {

  private static final String SUCCEEDED = "workmate_job_attempts_total{outcome=\"succeeded\"}";
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private SucceededCount() {}

  /** A listing's count and what it cost: pages (one ask of every shard each) and seconds. */
  record Listing(long count, int pages, double seconds) {}

  /** Sum over {@code nodes} of their succeeded attempts; an exception if a node does not answer. */
  static long fromMetrics(List<ClusterNode> nodes) {
    long sum = 0;
    for (ClusterNode node : nodes) {
      sum += fromMetrics(node);
    }
    return sum;
  }

  private static long fromMetrics(ClusterNode node) {
    String text;
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
              URI.create(node.url() + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(node.name() + ": GET /metrics answered "
            + response.statusCode());
      }
      text = response.body();
    } catch (IOException e) {
      throw new IllegalStateException(node.name() + ": GET /metrics failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    // no succeeded attempt yet: the counter is registered at the first one
    return text.lines().filter(line -> line.startsWith(SUCCEEDED))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(SUCCEEDED.length()).trim()))
        .sum();
  }

  /** Pages through every succeeded job on {@code node}, 1,000 a page. */
  static Listing fromListing(ClusterNode node) {
    ServiceApi api = node.api();
    long start = System.nanoTime();
    long count = 0;
    int pages = 0;
    String after = null;
    do {
      String path = "/v1/jobs?status=succeeded&limit=1000" + (after == null ? "" : "&after="
          + after);
      ServiceApi.Answer page = api.get(path);
      if (page.status() != 200) {
        throw new IllegalStateException(node.name() + ": GET " + path + " answered " + page);
      }
      pages++;
      count += page.body().path("jobs").size();
      after = page.body().path("next").isTextual() ? page.body().path("next").asText() : null;
    } while (after != null);
    return new Listing(count, pages, (System.nanoTime() - start) / 1e9);
  }
}
