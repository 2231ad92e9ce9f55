package io.workmate.jobs.cluster;

import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One job shard as a Cluster Sharding entity: it attaches to the {@link JobShardHost} of the
 * node it starts on and holds every request (sharding delivers those it buffered while the shard
 * moved at once) until the host gives it the node's agents; then it is the shard's
 * {@link JobDispatcher}. Started without them, it would refuse the first submits for want of an
 * agent.
 */
final class JobShard {

  /** Requests held while the agents are awaited; beyond this, sharding's buffer holds them. */
  private static final int STASH_CAPACITY = 10_000;

  private JobShard() {}

  static Behavior<JobDispatcher.Command> create(JobDispatcherSettings settings,
      ActorRef<JobShardHost.Command> host) {
    return Behaviors.setup(context -> {
      host.tell(new JobShardHost.Attach(context.getSelf()));
      return Behaviors.withStash(STASH_CAPACITY, stash ->
          Behaviors.receive(JobDispatcher.Command.class)
              .onMessage(JobDispatcher.AgentsChanged.class, agents -> stash.unstashAll(
                  JobDispatcher.create(settings.withAgents(agents.agents()))))
              .onMessage(JobDispatcher.HandOff.class, handOff -> Behaviors.stopped())
              .onAnyMessage(request -> {
                if (!stash.isFull()) {
                  stash.stash(request);
                } else {
                  context.getLog().warn("job shard: dropped {} (waiting for the node's agents)",
                      request);
                }
                return Behaviors.same();
              })
              .build());
    });
  }
}
