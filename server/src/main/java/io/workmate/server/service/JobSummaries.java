package io.workmate.server.service;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.memory.MemoryDirectory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Every finished job becomes a {@code summary} entry in the memory of the agent it ran on (its
 * result, or why it ended). A job that never ran on an agent (cancelled while queued) leaves
 * none, and neither does a job of an agent kind that keeps no memory ({@link
 * io.workmate.agents.AgentKind#keepsMemory()}: the echo agent, whose summaries at benchmark
 * rates would be a quarter of the journal's writes).
 */
final class JobSummaries {

  private JobSummaries() {}

  static Behavior<JobDispatcher.Finished> create(ActorRef<MemoryDirectory.Command> memory) {
    return Behaviors.setup(context -> Behaviors.receiveMessage(finished -> {
      Job job = finished.job();
      if (job.agent() != null && job.attempts() > 0
          && (finished.agentKind() == null || finished.agentKind().keepsMemory())) {
        String text = job.status() == JobStatus.SUCCEEDED ? job.resultText() : job.lastError();
        memory.tell(MemoryDirectory.jobSummary(job.agent(), job.id(), job.status().wireName(),
            text, context.getSystem().ignoreRef()));
      }
      return Behaviors.same();
    }));
  }
}
