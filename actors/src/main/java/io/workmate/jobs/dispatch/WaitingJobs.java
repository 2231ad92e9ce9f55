package io.workmate.jobs.dispatch;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The jobs that wait to run: queued ({@link JobQueue}, with the per-priority depth meters),
 * failed until their {@code retryAt} (a timer each), and the deadline timer of every live job
 * (a job whose deadline passes while it waits is expired; a running attempt has its own). Not
 * thread-safe: the dispatcher's, whose timers it sets.
 *
 * @param <C> the dispatcher's protocol
 */
final class WaitingJobs<C> {

  private final TimerScheduler<C> timers;
  private final JobMetrics metrics;
  private final Clock clock;
  private final Function<String, C> retryDue;
  private final Function<String, C> deadlineDue;
  private final JobQueue queue = new JobQueue();
  private final Set<String> retrying = new HashSet<>();
  private final Set<String> deadlines = new HashSet<>();
  private final C rateWindowOpened;
  private boolean rateWakeSet;

  WaitingJobs(TimerScheduler<C> timers, JobMetrics metrics, Clock clock,
      Function<String, C> retryDue, Function<String, C> deadlineDue, C rateWindowOpened) {
    this.timers = timers;
    this.metrics = metrics;
    this.clock = clock;
    this.retryDue = retryDue;
    this.deadlineDue = deadlineDue;
    this.rateWindowOpened = rateWindowOpened;
  }

  /**
   * Wakes the dispatcher at {@code at} (null: no need), when a rate-limited agent with room may
   * start again, unless a wake is set already or nothing is queued.
   */
  void wakeAt(Instant at) {
    if (at != null && !rateWakeSet && !queue.isEmpty()) {
      rateWakeSet = true;
      timers.startSingleTimer("rate-window", rateWindowOpened, until(at).plusMillis(1));
    }
  }

  /** The rate wake fired. */
  void woken() {
    rateWakeSet = false;
  }

  /** Queues the job within its priority at its submission {@code order}. */
  void enqueue(Job job, long order) {
    JobQueue.Entry entry = new JobQueue.Entry(job.id(), job.spec().priority(), order,
        JobQueue.Route.of(job.spec()));
    if (queue.add(entry)) {
      metrics.queueDepth(entry.priority(), queue.depth(entry.priority()));
    }
  }

  /**
   * Takes in a live job read at start: its deadline, and its place in the queue ({@code order})
   * or its retry. False when it is still running: it could not be requeued.
   */
  boolean recovered(Job job, long order) {
    watchDeadline(job);
    if (job.status() == JobStatus.QUEUED) {
      enqueue(job, order);
    } else if (job.status() == JobStatus.FAILED && job.retryAt() != null) {
      retryAt(job.id(), job.retryAt());
    }
    return job.status() != JobStatus.RUNNING && job.status() != JobStatus.WAITING_APPROVAL;
  }

  /** Takes the job out of the queue; false when it was not queued. */
  boolean dequeue(String jobId) {
    JobQueue.Entry entry = queue.remove(jobId);
    if (entry != null) {
      metrics.queueDepth(entry.priority(), queue.depth(entry.priority()));
    }
    return entry != null;
  }

  /** A head taken out of the queue: start it on {@code slot}; expire it (no slot); or drop it. */
  record Next(Job job, AgentSlot slot) {}

  /**
   * Takes out the first head, in start order among the heads of the routes, that can start now
   * on an agent with room, or whose deadline passed (its timer may not have fired yet: a late
   * job never starts), or that is gone ({@code live} knows it no more); null when none. A head
   * that cannot run does not hold back the routes behind it.
   */
  Next takeNext(Instant now, Function<String, Job> live, AgentSlots agents) {
    for (JobQueue.Entry head : queue.heads()) {
      Job job = live.apply(head.jobId());
      boolean late = job != null && job.spec().deadline() != null
          && !job.spec().deadline().isAfter(now);
      AgentSlot slot = job == null || late ? null : agents.pick(job.spec(), now);
      if (job == null || late || slot != null) {
        dequeue(head.jobId());
        return new Next(job, slot);
      }
    }
    return null;
  }

  boolean queueIsEmpty() {
    return queue.isEmpty();
  }

  int queued() {
    return queue.size();
  }

  List<String> inStartOrder() {
    return queue.inStartOrder();
  }

  Map<Integer, Integer> depthByPriority() {
    return queue.depthByPriority();
  }

  void retryAt(String jobId, Instant at) {
    retrying.add(jobId);
    timers.startSingleTimer(retryKey(jobId), retryDue.apply(jobId), until(at));
  }

  /** The retry is due: false when it was cancelled meanwhile. */
  boolean retryDue(String jobId) {
    return retrying.remove(jobId);
  }

  /** Cancels the job's pending retry; false when it had none. */
  boolean stopRetry(String jobId) {
    timers.cancel(retryKey(jobId));
    return retrying.remove(jobId);
  }

  Set<String> retrying() {
    return Set.copyOf(retrying);
  }

  /** Sets the job's deadline timer, once. */
  void watchDeadline(Job job) {
    Instant deadline = job.spec().deadline();
    if (deadline != null && deadlines.add(job.id())) {
      timers.startSingleTimer(deadlineKey(job.id()), deadlineDue.apply(job.id()), until(deadline));
    }
  }

  /** The deadline passed: takes the job out of the queue and its retry; false: it waited not. */
  boolean deadlinePassed(String jobId) {
    deadlines.remove(jobId);
    return dequeue(jobId) | stopRetry(jobId);
  }

  /** The job is terminal: its deadline no longer matters. */
  void forgetDeadline(String jobId) {
    if (deadlines.remove(jobId)) {
      timers.cancel(deadlineKey(jobId));
    }
  }

  private Duration until(Instant at) {
    Duration delay = Duration.between(clock.instant(), at);
    return delay.isNegative() ? Duration.ZERO : delay;
  }

  private static String retryKey(String jobId) {
    return "retry|" + jobId;
  }

  private static String deadlineKey(String jobId) {
    return "deadline|" + jobId;
  }
}
