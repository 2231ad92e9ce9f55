package io.workmate.server.service;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.workspaces.Workspaces;
import io.workmate.workspaces.WorktreeRetention;
import io.workmate.workspaces.WorktreeRetention.Owner;
import io.workmate.workspaces.WorktreeRetention.State;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The job queue's answer to the workspaces' sweep: where the job owning a worktree stands. */
final class WorkspaceOwners {

  /** The dispatcher answers once it has recovered the queue; a sweep that times out retries. */
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);

  private WorkspaceOwners() {}

  static Workspaces.JobLookup lookup(ActorSystem<?> system,
      AtomicReference<ActorRef<JobDispatcher.Command>> dispatcher) {
    return jobId -> {
      ActorRef<JobDispatcher.Command> jobs = dispatcher.get();
      if (jobs == null) {
        return CompletableFuture.failedFuture(new IllegalStateException("no job queue yet"));
      }
      return AskPattern.<JobDispatcher.Command, JobReply>ask(jobs,
              replyTo -> new JobDispatcher.Get(jobId, replyTo), ASK_TIMEOUT, system.scheduler())
          .thenApplyAsync(WorkspaceOwners::owner, system.executionContext());
    };
  }

  static Owner owner(JobReply reply) {
    if (reply instanceof JobReply.NotFound) {
      return WorktreeRetention.Owner.unknown();
    }
    if (!(reply instanceof JobReply.Current current)) {
      throw new IllegalStateException("the job queue answered " + reply);
    }
    Job job = current.job();
    String repo = job.spec().workspace() != null ? job.spec().workspace().repo() : null;
    if (job.status() == JobStatus.SUCCEEDED) {
      return new Owner(State.SUCCEEDED, job.updatedAt(), repo);
    }
    if (job.status() == JobStatus.DEAD || job.status() == JobStatus.CANCELLED) {
      return new Owner(State.ENDED, job.updatedAt(), repo);
    }
    return new Owner(State.ACTIVE, null, repo);
  }
}
