package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentKind;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

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
  private final Consumer<Job> onTaken;
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  private final JobIndex index = new JobIndex();
  private final Map<String, Job> live = new HashMap<>();
  private final Map<String, Set<ActorRef<JobFeed>>> watchers = new HashMap<>();
  private final Set<ActorRef<JobDispatcher.Finished>> finishedSubscribers = new HashSet<>();

  JobBook(ActorContext<C> context, JobMetrics metrics,
      BiFunction<String, ActorRef<JobFeed>, C> watcherGone,
      Function<String, AgentKind> kindOfAgent, Consumer<Job> onTaken) {
    this.context = context;
    this.metrics = metrics;
    this.watcherGone = watcherGone;
    this.kindOfAgent = kindOfAgent;
    this.onTaken = onTaken;
  }

  JobIndex index() {
    return index;
  }

  /** Whether {@code jobId} is a well-formed id of a job in the index. */
  boolean knows(String jobId) {
    return jobId != null && VALID_ID.matcher(jobId).matches() && index.contains(jobId);
  }

  /** Answers a page of the listing. */
  void list(JobDispatcher.ListJobs list) {
    int limit = Math.max(1, Math.min(JobDispatcher.MAX_PAGE, list.limit()));
    JobIndex.Page page = index.page(list.status(), list.agent(), limit, list.after());
    list.replyTo().tell(new JobDispatcher.JobPage(page.jobs(), page.next()));
  }

  /** Answers a page in the order of a cluster's listing (see {@link JobPosition}). */
  void listFrom(JobDispatcher.PageFrom list) {
    int limit = Math.max(1, Math.min(JobDispatcher.MAX_PAGE, list.limit()));
    JobIndex.Page page = index.pageFrom(list.status(), list.agent(), limit, list.after());
    list.replyTo().tell(new JobDispatcher.JobPage(page.jobs(), page.next()));
  }

  /**
   * Streams the job's feed to the watcher: a live job's current status and changes; a terminal
   * job's final state, as the ledger has it, and the end; an unknown job's end.
   */
  void watch(JobDispatcher.Watch watch, ActorRef<JobLedger.Command> ledger) {
    Job job = live.get(watch.jobId());
    if (!knows(watch.jobId())) {
      watch.watcher().tell(new JobFeed.End(watch.jobId(), null));
    } else if (job != null) {
      watchLive(job, watch.watcher());
    } else {
      watchFinished(watch.jobId(), watch.watcher(), ledger);
    }
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
   * subscribers and the watchers (the status, and the end once terminal), then tells
   * {@code onTaken}. False when the answer is older than one already taken in.
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
    onTaken.accept(job);
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

  private void watchLive(Job job, ActorRef<JobFeed> watcher) {
    Set<ActorRef<JobFeed>> forJob = watchers.computeIfAbsent(job.id(), id -> new HashSet<>());
    if (forJob.add(watcher)) {
      context.watchWith(watcher, watcherGone.apply(job.id(), watcher));
    }
    watcher.tell(new JobFeed.Status(job));
  }

  /**
   * Tells {@code watcher} a terminal job's final state and the end, as the ledger has it; the
   * answer goes straight to the watcher (nothing here changes).
   */
  private void watchFinished(String jobId, ActorRef<JobFeed> watcher,
      ActorRef<JobLedger.Command> ledger) {
    AskPattern.<JobLedger.Command, JobLedger.Answered>ask(ledger,
        replyTo -> new JobLedger.Apply(jobId, new JobOp.Get(), 0L, replyTo), LedgerAsk.TIMEOUT,
        context.getSystem().scheduler())
        .whenComplete((answered, failure) -> {
          if (answered != null && answered.reply() instanceof JobReply.Current current) {
            watcher.tell(new JobFeed.Status(current.job()));
            watcher.tell(new JobFeed.End(jobId, current.job()));
          } else {
            watcher.tell(new JobFeed.End(jobId, null));
          }
        });
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
