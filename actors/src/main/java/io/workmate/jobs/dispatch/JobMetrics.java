package io.workmate.jobs.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
 * threads, so gauges are backed by atomics and never ask the actor.
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
  private final EnumMap<JobStatus, AtomicLong> byStatus = new EnumMap<>(JobStatus.class);
  private final Map<Integer, AtomicLong> queueDepth = new ConcurrentHashMap<>();
  private final AtomicLong running = new AtomicLong();
  private final Map<String, Counter> attempts = new HashMap<>();
  private final Timer attemptDuration;
  private final Timer jobDuration;

  JobMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (JobStatus status : JobStatus.values()) {
      AtomicLong value = new AtomicLong();
      byStatus.put(status, value);
      Gauge.builder("workmate.jobs", value, AtomicLong::get)
          .description("Jobs known in each status")
          .tag("status", status.wireName())
          .register(registry);
    }
    Gauge.builder("workmate.jobs.running", running, AtomicLong::get)
        .description("Attempts in progress")
        .register(registry);
    attemptDuration = Timer.builder("workmate.attempt.duration")
        .description("Time from the start of an attempt to its outcome")
        .publishPercentileHistogram()
        .register(registry);
    jobDuration = Timer.builder("workmate.job.duration")
        .description("Time from submission to a terminal status")
        .publishPercentileHistogram()
        .register(registry);
  }

  void statusCounts(Map<JobStatus, Long> counts) {
    counts.forEach(this::statusCount);
  }

  void statusCount(JobStatus status, long count) {
    byStatus.get(status).set(count);
  }

  void queueDepth(int priority, int depth) {
    queueDepth.computeIfAbsent(priority, p -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("workmate.queue.depth", value, AtomicLong::get)
          .description("Queued jobs per priority")
          .tag("priority", String.valueOf(p))
          .register(registry);
      return value;
    }).set(depth);
  }

  void running(int count) {
    running.set(count);
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
