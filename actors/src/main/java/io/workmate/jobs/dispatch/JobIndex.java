package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobPosition;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Every job the dispatcher knows, as a small summary in submission order: what
 * {@code GET /v1/jobs} pages through and what the per-status counts come from. Rebuilt from the
 * journal at start, kept current from the ledger's replies. Not thread-safe: the dispatcher's.
 */
final class JobIndex {

  private final Map<String, JobSummary> byId = new HashMap<>();
  private final Map<String, Long> orderOf = new HashMap<>();
  private final NavigableMap<Long, String> inOrder = new TreeMap<>();
  /** The same jobs by submission time and id: the order a cluster's listing merges in. */
  private final NavigableMap<JobPosition, String> byPosition = new TreeMap<>();
  private final EnumMap<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
  private long nextOrder;

  JobIndex() {
    for (JobStatus status : JobStatus.values()) {
      counts.put(status, 0L);
    }
  }

  /** Adds or updates a job; a new one goes to the end. */
  void put(JobSummary summary) {
    JobSummary previous = byId.put(summary.id(), summary);
    if (previous != null) {
      counts.merge(previous.status(), -1L, Long::sum);
    } else {
      long position = nextOrder++;
      orderOf.put(summary.id(), position);
      inOrder.put(position, summary.id());
      byPosition.put(JobPosition.of(summary), summary.id());
    }
    counts.merge(summary.status(), 1L, Long::sum);
  }

  JobSummary get(String jobId) {
    return byId.get(jobId);
  }

  /** The position of a job in submission order, or null when unknown. */
  Long orderOf(String jobId) {
    return orderOf.get(jobId);
  }

  long nextOrder() {
    return nextOrder;
  }

  Map<JobStatus, Long> counts() {
    return Map.copyOf(counts);
  }

  long count(JobStatus status) {
    return counts.get(status);
  }

  /**
   * Up to {@code limit} jobs after {@code afterId} (null: from the first) in {@code status}
   * (null: any), plus the id to continue after when more may follow.
   */
  Page page(JobStatus status, int limit, String afterId) {
    return page(status, null, limit, afterId);
  }

  /** As {@link #page(JobStatus, int, String)}, only jobs of {@code agent} (null: any). */
  Page page(JobStatus status, String agent, int limit, String afterId) {
    Long after = afterId == null ? null : orderOf.get(afterId);
    return page(status, agent, limit, after == null ? inOrder : inOrder.tailMap(after, false));
  }

  /** As {@link #page(JobStatus, String, int, String)}, after a position (null: the first). */
  Page pageFrom(JobStatus status, String agent, int limit, JobPosition after) {
    return page(status, agent, limit,
        after == null ? byPosition : byPosition.tailMap(after, false));
  }

  /** A job's agent is the one it names until an attempt starts, then the one it runs on. */
  private Page page(JobStatus status, String agent, int limit, NavigableMap<?, String> rest) {
    List<JobSummary> jobs = new ArrayList<>(Math.min(limit, 100));
    String last = null;
    for (String id : rest.values()) {
      JobSummary summary = byId.get(id);
      if (status != null && summary.status() != status
          || agent != null && !agent.equals(summary.agent())) {
        continue;
      }
      if (jobs.size() == limit) {
        return new Page(jobs, last);
      }
      jobs.add(summary);
      last = id;
    }
    return new Page(jobs, null);
  }

  boolean contains(String jobId) {
    return byId.containsKey(jobId);
  }

  record Page(List<JobSummary> jobs, String next) {}
}
