package io.workmate.jobs.dispatch;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.workmate.jobs.JobStatus;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * The job gauges of one meter registry (one node): every dispatcher that meters into it (each
 * job shard a node hosts, in a cluster) is a part, and each gauge shows the sum over the parts.
 * Micrometer keeps one gauge per name and tags, bound to the state it was first registered with,
 * so a second dispatcher could not register its own: its numbers would not show.
 */
final class JobGauges {

  /** Weak keys: no reference back to the registry, so a registry nobody uses goes away. */
  private static final Map<MeterRegistry, JobGauges> BY_REGISTRY = new WeakHashMap<>();

  private final Set<JobMetrics> parts = ConcurrentHashMap.newKeySet();
  private final Set<Integer> priorities = ConcurrentHashMap.newKeySet();

  static synchronized JobGauges of(MeterRegistry registry) {
    return BY_REGISTRY.computeIfAbsent(registry, JobGauges::registeredIn);
  }

  private static JobGauges registeredIn(MeterRegistry registry) {
    JobGauges gauges = new JobGauges();
    for (JobStatus status : JobStatus.values()) {
      Gauge.builder("workmate.jobs", gauges, g -> g.sum(part -> part.statusCount(status)))
          .description("Jobs known in each status")
          .tag("status", status.wireName())
          .register(registry);
    }
    Gauge.builder("workmate.jobs.running", gauges, g -> g.sum(JobMetrics::running))
        .description("Attempts in progress")
        .register(registry);
    return gauges;
  }

  void add(JobMetrics part) {
    parts.add(part);
  }

  void remove(JobMetrics part) {
    parts.remove(part);
  }

  /** Registers the queue depth gauge of {@code priority} the first time it is seen. */
  void priority(MeterRegistry registry, int priority) {
    if (priorities.add(priority)) {
      Gauge.builder("workmate.queue.depth", this,
              g -> g.sum(part -> part.queueDepthOf(priority)))
          .description("Queued jobs per priority")
          .tag("priority", String.valueOf(priority))
          .register(registry);
    }
  }

  private double sum(ToLongFunction<JobMetrics> value) {
    return parts.stream().mapToLong(value).sum();
  }
}
