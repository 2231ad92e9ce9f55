package io.workmate.jobs.cluster;

import io.workmate.agents.AgentHandle;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.support.GatherQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * What a node gives the job shards it hosts: its agents (a shard runs its jobs where it lives, a
 * Codex process cannot move), the subscribers of finished jobs (a job's summary goes to the
 * memory of the node's agent that ran it), and the node's view of the queue for metrics and
 * readiness (the shards hosted here). Each shard attaches itself when it starts on this node.
 */
public final class JobShardHost {

  /** How long the shards hosted here get to answer a {@link Stats}. */
  static final Duration STATS_TIMEOUT = Duration.ofSeconds(3);

  public sealed interface Command {}

  /**
   * A shard started on this node: answered with the node's agents ({@link
   * JobDispatcher.AgentsChanged}) once the node has some, and every change after that.
   */
  public record Attach(ActorRef<JobDispatcher.Command> shard) implements Command {}

  /** The node's agents now (from its agent registry). */
  public record Agents(List<AgentHandle> agents) implements Command {}

  /** Tells {@code subscriber} of every job that ends in a shard hosted here from now on. */
  public record SubscribeFinished(ActorRef<JobDispatcher.Finished> subscriber)
      implements Command {}

  /**
   * The hosted shards' stats, summed ({@link JobStats}).
   *
   * @param leaving whether the node is leaving: reported as draining
   */
  public record Stats(boolean leaving, ActorRef<JobStats> replyTo) implements Command {}

  private record Detached(ActorRef<JobDispatcher.Command> shard) implements Command {}

  private record Finished(JobDispatcher.Finished finished) implements Command {}

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new JobShardHost(context).hosting());
  }

  private final ActorContext<Command> context;
  private final Set<ActorRef<JobDispatcher.Command>> shards = new HashSet<>();
  private final List<ActorRef<JobDispatcher.Finished>> subscribers = new ArrayList<>();
  private final ActorRef<JobDispatcher.Finished> finished;
  private List<AgentHandle> agents = List.of();
  /** Shards attached before the node's agents were known: answered once they are. */
  private final List<ActorRef<JobDispatcher.Command>> waiting = new ArrayList<>();

  private JobShardHost(ActorContext<Command> context) {
    this.context = context;
    this.finished = context.messageAdapter(JobDispatcher.Finished.class, Finished::new);
  }

  private Behavior<Command> hosting() {
    return Behaviors.receive(Command.class)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Detached.class, detached -> {
          shards.remove(detached.shard());
          return Behaviors.same();
        })
        .onMessage(Agents.class, this::onAgents)
        .onMessage(SubscribeFinished.class, subscribe -> {
          subscribers.add(subscribe.subscriber());
          return Behaviors.same();
        })
        .onMessage(Finished.class, done -> {
          subscribers.forEach(subscriber -> subscriber.tell(done.finished()));
          return Behaviors.same();
        })
        .onMessage(Stats.class, this::onStats)
        .build();
  }

  private Behavior<Command> onAttach(Attach attach) {
    ActorRef<JobDispatcher.Command> shard = attach.shard();
    if (shards.add(shard)) {
      context.watchWith(shard, new Detached(shard));
      shard.tell(new JobDispatcher.SubscribeFinished(finished));
      if (agents.isEmpty()) {
        waiting.add(shard); // the registry's first list may come before the built-ins are in
      } else {
        shard.tell(new JobDispatcher.AgentsChanged(agents));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAgents(Agents now) {
    agents = List.copyOf(now.agents());
    if (!agents.isEmpty()) {
      waiting.clear();
    }
    shards.forEach(shard -> shard.tell(new JobDispatcher.AgentsChanged(agents)));
    return Behaviors.same();
  }

  private Behavior<Command> onStats(Stats stats) {
    context.spawnAnonymous(GatherQuery.create(List.copyOf(shards), JobStats.class,
        JobDispatcher.GetStats::new, STATS_TIMEOUT,
        answers -> stats.replyTo().tell(sum(answers.replies(), answers.complete(),
            stats.leaving()))));
    return Behaviors.same();
  }

  /** The stats of several shards as one; a shard that did not answer counts as recovering. */
  static JobStats sum(List<JobStats> all, boolean complete,
      boolean leaving) {
    Map<io.workmate.jobs.JobStatus, Long> byStatus = new TreeMap<>();
    for (io.workmate.jobs.JobStatus status : io.workmate.jobs.JobStatus.values()) {
      byStatus.put(status, 0L);
    }
    Map<Integer, Integer> queued = new TreeMap<>();
    Map<String, Integer> running = new TreeMap<>();
    boolean recovering = !complete;
    boolean draining = leaving;
    for (JobStats stats : all) {
      stats.byStatus().forEach((status, n) -> byStatus.merge(status, n, Long::sum));
      stats.queuedByPriority().forEach((priority, n) -> queued.merge(priority, n, Integer::sum));
      stats.runningByAgent().forEach((agent, n) -> running.merge(agent, n, Integer::sum));
      recovering |= stats.recovering();
      draining |= stats.draining();
    }
    return new JobStats(byStatus, queued, running, recovering, draining);
  }
}
