package io.workmate.jobs.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.workmate.jobs.JobStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The dispatcher's meters. The actor writes plain numbers here; a scrape reads them from other
 * threads, so gauges are backed by atomics and never ask the actor. The gauges are the node's
 * ({@link JobGauges}): the sum over its dispatchers.
 *
 * <ul>
 *   <li>{@code workmate.jobs{status}}: jobs known in each status</li>
 *   <li>{@code workmate.queue.depth{priority}}: queued jobs per priority</li>
 *   <li>{@code workmate.jobs.running}: attempts in progress</li>
 *   <li>{@code workmate.job.attempts{outcome}}: attempts ended (succeeded, failed, interrupted)</li>
 *   <li>{@code workmate.attempt.duration}, {@code workmate.job.duration} (submit to a terminal
 *       status): timers with histograms</li>
 * </ul>
 */
final class JobMetrics {

  private final MeterRegistry registry;
  private final JobGauges gauges;
  private final EnumMap<JobStatus, AtomicLong> byStatus = new EnumMap<>(JobStatus.class);
  private final Map<Integer, AtomicLong> queueDepth = new ConcurrentHashMap<>();
  private final AtomicLong running = new AtomicLong();
  private final Map<String, Counter> attempts = new HashMap<>();
  private final Timer attemptDuration;
  private final Timer jobDuration;

  JobMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (JobStatus status : JobStatus.values()) {
      byStatus.put(status, new AtomicLong());
    }
    // the gauges sum this dispatcher's numbers with those of the others on the node
    this.gauges = JobGauges.of(registry);
    gauges.add(this);
    attemptDuration = Timer.builder("workmate.attempt.duration")
        .description("Time from the start of an attempt to its outcome")
        .publishPercentileHistogram()
        .register(registry);
    jobDuration = Timer.builder("workmate.job.duration")
        .description("Time from submission to a terminal status")
        .publishPercentileHistogram()
        .register(registry);
  }

  /** The dispatcher stopped (a shard left the node): its numbers leave the gauges. */
  void close() {
    gauges.remove(this);
  }

  void statusCounts(Map<JobStatus, Long> counts) {
    counts.forEach(this::statusCount);
  }

  void statusCount(JobStatus status, long count) {
    byStatus.get(status).set(count);
  }

  long statusCount(JobStatus status) {
    return byStatus.get(status).get();
  }

  void queueDepth(int priority, int depth) {
    queueDepth.computeIfAbsent(priority, p -> {
      gauges.priority(registry, p);
      return new AtomicLong();
    }).set(depth);
  }

  long queueDepthOf(int priority) {
    AtomicLong depth = queueDepth.get(priority);
    return depth == null ? 0 : depth.get();
  }

  void running(int count) {
    running.set(count);
  }

  long running() {
    return running.get();
  }

  void attemptEnded(String outcome, Duration took) {
    attempts.computeIfAbsent(outcome, o -> Counter.builder("workmate.job.attempts")
        .description("Attempts ended, by outcome")
        .tag("outcome", o)
        .register(registry)).increment();
    attemptDuration.record(took);
  }

  void jobFinished(Duration took) {
    jobDuration.record(took);
  }
}
