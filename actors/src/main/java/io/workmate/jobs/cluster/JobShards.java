package io.workmate.jobs.cluster;

import io.workmate.agents.AgentHandle;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.LedgerPart;
import io.workmate.jobs.dispatch.ApprovalAnswer;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.support.GatherQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The job queue of a cluster as one dispatcher: every node has one, and answers the API through
 * it. The job ledger's shards are Cluster Sharding entities ({@link #SHARD}, ids {@code 0..n-1},
 * one entity per sharding shard), each a {@link JobDispatcher} holding one ledger shard (its
 * jobs, its queue and its attempts, run on the agents of the node that hosts it, through the
 * node's {@link JobShardHost}). A request about one job goes to the shard of its id; a listing,
 * the approvals and a decision ask every shard ({@link GatherQuery}); stats and the drain are the
 * node's own. It wakes every shard now and then, so a shard moved off a lost node starts on a
 * survivor (recovering its jobs from the journal and requeuing those that ran there) without
 * waiting for a request.
 */
public final class JobShards {

  /** The entity type of the job shards. */
  public static final EntityTypeKey<JobDispatcher.Command> SHARD =
      EntityTypeKey.create(JobDispatcher.Command.class, "job-shard");

  /** How often every shard is woken (the longest a moved shard may stay asleep). */
  static final Duration WAKE_INTERVAL = Duration.ofSeconds(2);
  /** How long a question to every shard waits for their answers. */
  static final Duration QUERY_TIMEOUT = Duration.ofSeconds(8);

  private enum Wake { INSTANCE }

  /** Whether an agent is registered in the cluster's shared registry (not only a node's). */
  @FunctionalInterface
  public interface SharedAgents {
    CompletionStage<Boolean> isRegistered(String agentId);
  }

  /**
   * @param dispatcher what each shard's dispatcher is made with; its ledger part is set per
   *     shard
   * @param shards the ledger's shards, the same on every node
   * @param host this node's {@link JobShardHost}
   */
  public static Behavior<JobDispatcher.Command> create(JobDispatcherSettings dispatcher,
      int shards, ActorRef<JobShardHost.Command> host) {
    return create(dispatcher, shards, host, null);
  }

  /**
   * As above; a job naming an agent that is not one of the nodes' own kinds goes through a
   * {@link SharedAgentSubmit}, which waits out the moment a node has not mirrored a newly
   * registered shared agent yet ({@code sharedAgents} null: it does not).
   */
  public static Behavior<JobDispatcher.Command> create(JobDispatcherSettings dispatcher,
      int shards, ActorRef<JobShardHost.Command> host, SharedAgents sharedAgents) {
    return Behaviors.setup(context -> {
      ClusterSharding sharding = ClusterSharding.get(context.getSystem());
      sharding.init(Entity.of(SHARD, entity -> JobShard.create(dispatcher.withLedgerPart(
              LedgerPart.one(Integer.parseInt(entity.getEntityId()), shards)), host))
          .withMessageExtractor(new OneEntityPerShard())
          .withStopMessage(new JobDispatcher.HandOff())
          .withSettings(ClusterShardingSettings.create(context.getSystem())
              .withNoPassivationStrategy()));
      return new JobShards(context, sharding, shards, host, sharedAgents).serving();
    });
  }

  private final ActorContext<JobDispatcher.Command> context;
  private final List<EntityRef<JobDispatcher.Command>> all;
  private final int shards;
  private final ActorRef<JobShardHost.Command> host;
  private final SharedAgents sharedAgents;
  /** The plain names of this node's own agents ({@code codex} of {@code codex@node-a}). */
  private Set<String> nodeAgentNames = Set.of();
  private boolean draining;

  private JobShards(ActorContext<JobDispatcher.Command> context, ClusterSharding sharding,
      int shards, ActorRef<JobShardHost.Command> host, SharedAgents sharedAgents) {
    this.context = context;
    this.shards = shards;
    this.host = host;
    this.sharedAgents = sharedAgents;
    this.all = new ArrayList<>(shards);
    for (int n = 0; n < shards; n++) {
      all.add(sharding.entityRefFor(SHARD, Integer.toString(n)));
    }
    context.spawn(waker(all), "waker");
  }

  /** Wakes every shard now and every {@link #WAKE_INTERVAL}. */
  private static Behavior<Wake> waker(List<EntityRef<JobDispatcher.Command>> shards) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<JobStats> ignored = context.spawn(Behaviors.ignore(), "answers");
      timers.startTimerWithFixedDelay(Wake.INSTANCE, Duration.ZERO, WAKE_INTERVAL);
      return Behaviors.receiveMessage(wake -> {
        shards.forEach(shard -> shard.tell(new JobDispatcher.GetStats(ignored)));
        return Behaviors.same();
      });
    }));
  }

  private Behavior<JobDispatcher.Command> serving() {
    return Behaviors.receive(JobDispatcher.Command.class)
        .onMessage(JobDispatcher.Submit.class, this::onSubmit)
        .onMessage(JobDispatcher.Cancel.class, c -> toShardOf(c.jobId(), c))
        .onMessage(JobDispatcher.Get.class, get -> toShardOf(get.jobId(), get))
        .onMessage(JobDispatcher.GetHistory.class, h -> toShardOf(h.jobId(), h))
        .onMessage(JobDispatcher.Retry.class, retry -> toShardOf(retry.jobId(), retry))
        .onMessage(JobDispatcher.Watch.class, watch -> toShardOf(watch.jobId(), watch))
        .onMessage(JobDispatcher.ListJobs.class, this::onListJobs)
        .onMessage(JobDispatcher.ListApprovals.class, this::onListApprovals)
        .onMessage(JobDispatcher.DecideApproval.class, this::onDecideApproval)
        .onMessage(JobDispatcher.GetStats.class, this::onGetStats)
        .onMessage(JobDispatcher.AgentsChanged.class, changed -> {
          nodeAgentNames = changed.agents().stream().map(AgentHandle::id)
              .filter(id -> id.indexOf('@') > 0).map(id -> id.substring(0, id.indexOf('@')))
              .collect(Collectors.toUnmodifiableSet());
          host.tell(new JobShardHost.Agents(changed.agents()));
          return Behaviors.same();
        })
        .onMessage(JobDispatcher.SubscribeFinished.class, subscribe -> {
          host.tell(new JobShardHost.SubscribeFinished(subscribe.subscriber()));
          return Behaviors.same();
        })
        .onMessage(JobDispatcher.Drain.class, this::onDrain)
        .onAnyMessage(other -> {
          context.getLog().debug("not served by a cluster's job front: {}", other);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<JobDispatcher.Command> onSubmit(JobDispatcher.Submit submit) {
    if (draining) {
      submit.replyTo().tell(new JobReply.Rejected(JobDispatcher.DRAINING, "this node is leaving "
          + "the cluster and takes no new jobs; submit to another node"));
      return Behaviors.same();
    }
    // the id is taken here, once: a job without an idempotency key gets a random one
    String jobId = JobIds.forSpec(submit.spec());
    JobDispatcher.Submit withId = new JobDispatcher.Submit(submit.spec(), jobId,
        submit.replyTo());
    String agent = submit.spec().agent();
    if (sharedAgents != null && agent != null && agent.indexOf('@') < 0
        && !nodeAgentNames.contains(agent)) {
      context.spawnAnonymous(SharedAgentSubmit.create(withId,
          all.get(JobLedger.shardOf(jobId, shards)), sharedAgents));
      return Behaviors.same();
    }
    return toShardOf(jobId, withId);
  }

  private Behavior<JobDispatcher.Command> toShardOf(String jobId, JobDispatcher.Command command) {
    all.get(JobLedger.shardOf(jobId, shards)).tell(command);
    return Behaviors.same();
  }

  private Behavior<JobDispatcher.Command> onListJobs(JobDispatcher.ListJobs list) {
    context.spawnAnonymous(ListingQuery.create(list, all, shards, QUERY_TIMEOUT));
    return Behaviors.same();
  }

  private Behavior<JobDispatcher.Command> onListApprovals(JobDispatcher.ListApprovals list) {
    context.spawnAnonymous(GatherQuery.create(all, JobDispatcher.Approvals.class,
        JobDispatcher.ListApprovals::new, QUERY_TIMEOUT, answers -> {
          List<JobDispatcher.JobApproval> approvals = new ArrayList<>();
          answers.replies().forEach(reply -> approvals.addAll(reply.approvals()));
          approvals.sort(Comparator.comparing(a -> a.approval().requestedAt()));
          list.replyTo().tell(new JobDispatcher.Approvals(approvals));
        }));
    return Behaviors.same();
  }

  /** The shard whose attempt waits on the approval takes it; the others know none. */
  private Behavior<JobDispatcher.Command> onDecideApproval(
      JobDispatcher.DecideApproval decide) {
    context.spawnAnonymous(GatherQuery.create(all, ApprovalAnswer.class,
        replyTo -> new JobDispatcher.DecideApproval(decide.approvalId(), decide.decision(),
            replyTo), QUERY_TIMEOUT,
        answer -> !(answer instanceof ApprovalAnswer.NotFound), answers -> {
          ApprovalAnswer settled = answers.replies().stream()
              .filter(answer -> !(answer instanceof ApprovalAnswer.NotFound))
              .findFirst().orElse(null);
          if (settled != null) {
            decide.replyTo().tell(settled);
          } else if (answers.complete()) {
            decide.replyTo().tell(new ApprovalAnswer.NotFound(decide.approvalId()));
          } // else: a shard did not answer; the caller's ask times out (503)
        }));
    return Behaviors.same();
  }

  private Behavior<JobDispatcher.Command> onGetStats(JobDispatcher.GetStats get) {
    // the node's own view: the shards it hosts, and whether it is leaving
    host.tell(new JobShardHost.Stats(draining, get.replyTo()));
    return Behaviors.same();
  }

  /**
   * The node stops: it takes no new jobs from now on. Its shards are handed to the other nodes
   * when it leaves the cluster ({@link JobDispatcher.HandOff}), so nothing waits here.
   */
  private Behavior<JobDispatcher.Command> onDrain(JobDispatcher.Drain drain) {
    draining = true;
    drain.replyTo().tell(new JobDispatcher.Drained(0));
    return Behaviors.same();
  }

  /** Entity {@code n} is alone in sharding shard {@code n}, so the shards spread evenly. */
  static final class OneEntityPerShard extends ShardingMessageExtractor<
      ShardingEnvelope<JobDispatcher.Command>, JobDispatcher.Command> {
    @Override
    public String entityId(ShardingEnvelope<JobDispatcher.Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public JobDispatcher.Command unwrapMessage(ShardingEnvelope<JobDispatcher.Command> envelope) {
      return envelope.message();
    }
  }
}
