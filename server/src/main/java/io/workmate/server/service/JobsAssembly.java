package io.workmate.server.service;

import io.workmate.codex.CodexPool;
import io.workmate.jobs.dispatch.JobDispatcher;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Turns {@code workmate.jobs} into the job dispatcher and the agents it routes to. */
final class JobsAssembly {

  private JobsAssembly() {}

  static ActorRef<JobDispatcher.Command> spawn(ActorContext<?> context,
      ActorRef<CodexPool.Command> codex, WorkmateService.JobsSetup setup) {
    // TODO(merge): the agent-routing dispatcher (codex + optional echo agent)
    return context.spawn(JobDispatcher.create(codex, JobDispatcher.Settings.of(
        setup.jobs().maxConcurrent(), setup.jobs().backoff(), setup.baseThread())), "jobs");
  }
}
