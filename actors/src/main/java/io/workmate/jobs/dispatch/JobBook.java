package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentKind;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * What the dispatcher knows of every job, kept from the ledger's answers ({@link #observe}): the
 * listing index, the latest state of each live (non-terminal) job, the status meters, the
 * job's watchers and the subscribers to finished jobs. Not thread-safe: the dispatcher's.
 *
 * @param <C> the dispatcher's protocol (a watcher's end is watched with one of its messages)
 */
final class JobBook<C> {

  private final ActorContext<C> context;
  private final JobMetrics metrics;
  private final BiFunction<String, ActorRef<JobFeed>, C> watcherGone;
  private final Function<String, AgentKind> kindOfAgent;
  private final JobIndex index = new JobIndex();
  private final Map<String, Job> live = new HashMap<>();
  private final Map<String, Set<ActorRef<JobFeed>>> watchers = new HashMap<>();
  private final Set<ActorRef<JobDispatcher.Finished>> finishedSubscribers = new HashSet<>();

  JobBook(ActorContext<C> context, JobMetrics metrics,
      BiFunction<String, ActorRef<JobFeed>, C> watcherGone,
      Function<String, AgentKind> kindOfAgent) {
    this.context = context;
    this.metrics = metrics;
    this.watcherGone = watcherGone;
    this.kindOfAgent = kindOfAgent;
  }

  JobIndex index() {
    return index;
  }

  boolean knows(String jobId) {
    return index.contains(jobId);
  }

  /** The job's latest state when it is not terminal, else null. */
  Job live(String jobId) {
    return live.get(jobId);
  }

  /** Takes in a job read from the journal at start (in submission order), before any watcher. */
  void recovered(Job job) {
    index.put(JobSummary.of(job));
    if (!job.status().isTerminal()) {
      live.put(job.id(), job);
    }
  }

  void subscribe(ActorRef<JobDispatcher.Finished> subscriber) {
    finishedSubscribers.add(subscriber);
  }

  /**
   * Takes in a job as the ledger answered it: the index, the live set, the meters, the finished
   * subscribers and the watchers (the status, and the end once terminal). False when the answer
   * is older than one already taken in.
   */
  boolean observe(Job job) {
    JobSummary previous = index.get(job.id());
    if (previous != null && previous.updatedAt() != null && job.updatedAt() != null
        && job.updatedAt().isBefore(previous.updatedAt())) {
      return false; // an older answer overtaken by a newer one
    }
    boolean changed = previous == null || previous.status() != job.status()
        || previous.attempts() != job.attempts()
        || !Objects.equals(previous.updatedAt(), job.updatedAt());
    index.put(JobSummary.of(job));
    if (previous != null && previous.status() != job.status()) {
      metrics.statusCount(previous.status(), index.count(previous.status()));
    }
    metrics.statusCount(job.status(), index.count(job.status()));
    if (job.status().isTerminal()) {
      boolean wasLive = live.remove(job.id()) != null;
      if (wasLive || (previous != null && !previous.status().isTerminal())) {
        finished(job);
      }
    } else {
      live.put(job.id(), job);
    }
    if (changed) {
      publish(job.id(), new JobFeed.Status(job));
    }
    if (job.status().isTerminal()) {
      Set<ActorRef<JobFeed>> forJob = watchers.remove(job.id());
      if (forJob != null) {
        forJob.forEach(watcher -> {
          watcher.tell(new JobFeed.End(job.id(), job));
          context.unwatch(watcher);
        });
      }
    }
    return true;
  }

  private void finished(Job job) {
    metrics.jobFinished(Duration.between(job.createdAt(), job.updatedAt()));
    if (!finishedSubscribers.isEmpty()) {
      JobDispatcher.Finished finished = new JobDispatcher.Finished(job,
          job.agent() == null ? null : kindOfAgent.apply(job.agent()));
      finishedSubscribers.forEach(subscriber -> subscriber.tell(finished));
    }
  }

  /** Streams a live job's changes to {@code watcher}, starting with its current status. */
  void watch(Job job, ActorRef<JobFeed> watcher) {
    Set<ActorRef<JobFeed>> forJob = watchers.computeIfAbsent(job.id(), id -> new HashSet<>());
    if (forJob.add(watcher)) {
      context.watchWith(watcher, watcherGone.apply(job.id(), watcher));
    }
    watcher.tell(new JobFeed.Status(job));
  }

  void watcherGone(String jobId, ActorRef<JobFeed> watcher) {
    Set<ActorRef<JobFeed>> forJob = watchers.get(jobId);
    if (forJob != null) {
      forJob.remove(watcher);
      if (forJob.isEmpty()) {
        watchers.remove(jobId);
      }
    }
  }

  void publish(String jobId, JobFeed event) {
    Set<ActorRef<JobFeed>> forJob = watchers.get(jobId);
    if (forJob != null) {
      forJob.forEach(watcher -> watcher.tell(event));
    }
  }

  Map<JobStatus, Long> counts() {
    return index.counts();
  }
}
