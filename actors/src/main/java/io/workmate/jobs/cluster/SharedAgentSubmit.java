package io.workmate.jobs.cluster;

import io.workmate.jobs.JobReply;
import io.workmate.jobs.dispatch.JobDispatcher;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * One submit naming an agent shared by the cluster, for {@link JobShards}. A shared agent is
 * registered once for the cluster, then every node mirrors it into its own registry a moment
 * later, so a job submitted right after the registration can reach a shard whose node has not
 * mirrored it yet, which refuses it ({@link JobDispatcher#NO_MATCHING_AGENT}). On that refusal
 * this asks the cluster's registry: when the agent is registered there it submits again every
 * {@link #RETRY_EVERY} until the shard takes the job or {@link #PATIENCE} has passed; when it
 * is not, the refusal goes to the client at once. Any other answer goes to the client as it is.
 */
final class SharedAgentSubmit {

  static final Duration RETRY_EVERY = Duration.ofMillis(100);
  /** Longer than the mirror's resubscription (2 s), which repairs a mirror that missed one. */
  static final Duration PATIENCE = Duration.ofSeconds(4);
  /**
   * How long it waits for any one answer (a shard on a lost node may give none): longer than
   * the API's own wait, so the client has had its 503 by then; it then stops.
   */
  static final Duration SILENCE = Duration.ofSeconds(60);

  sealed interface Command {}

  private record Answered(JobReply reply) implements Command {}

  private record LookedUp(boolean registered) implements Command {}

  private enum Resubmit implements Command { INSTANCE }

  private enum Silence implements Command { INSTANCE }

  /** @param submit with its job id taken: every try submits the same job */
  static Behavior<Command> create(JobDispatcher.Submit submit,
      EntityRef<JobDispatcher.Command> shard, JobShards.SharedAgents sharedAgents) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.setReceiveTimeout(SILENCE, Silence.INSTANCE);
      return new SharedAgentSubmit(context, timers, submit, shard, sharedAgents).submitting();
    }));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final JobDispatcher.Submit submit;
  private final EntityRef<JobDispatcher.Command> shard;
  private final JobShards.SharedAgents sharedAgents;
  private final ActorRef<JobReply> answers;
  private final long triesLeftAtStart = PATIENCE.toMillis() / RETRY_EVERY.toMillis();

  private SharedAgentSubmit(ActorContext<Command> context, TimerScheduler<Command> timers,
      JobDispatcher.Submit submit, EntityRef<JobDispatcher.Command> shard,
      JobShards.SharedAgents sharedAgents) {
    this.context = context;
    this.timers = timers;
    this.submit = submit;
    this.shard = shard;
    this.sharedAgents = sharedAgents;
    this.answers = context.messageAdapter(JobReply.class, Answered::new);
  }

  /** The first try: a refusal for want of the agent makes it look the agent up. */
  private Behavior<Command> submitting() {
    shard.tell(new JobDispatcher.Submit(submit.spec(), submit.jobId(), answers));
    return Behaviors.receive(Command.class)
        .onMessage(Answered.class, answered -> {
          if (!lacksTheAgent(answered.reply())) {
            return answer(answered.reply());
          }
          context.pipeToSelf(sharedAgents.isRegistered(submit.spec().agent()),
              (registered, failure) -> new LookedUp(Boolean.TRUE.equals(registered)));
          return lookingUp(answered.reply());
        })
        .onMessageEquals(Silence.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> lookingUp(JobReply refusal) {
    return Behaviors.receive(Command.class)
        .onMessage(LookedUp.class, lookedUp -> lookedUp.registered()
            ? waitingForTheMirror(refusal, triesLeftAtStart) : answer(refusal))
        .onMessageEquals(Silence.INSTANCE, Behaviors::stopped)
        .build();
  }

  /** The agent exists: the shard's node will mirror it; try again shortly. */
  private Behavior<Command> waitingForTheMirror(JobReply lastRefusal, long triesLeft) {
    if (triesLeft == 0) {
      return answer(lastRefusal);
    }
    timers.startSingleTimer(Resubmit.INSTANCE, RETRY_EVERY);
    return Behaviors.receive(Command.class)
        .onMessageEquals(Resubmit.INSTANCE, () -> {
          shard.tell(new JobDispatcher.Submit(submit.spec(), submit.jobId(), answers));
          return Behaviors.same();
        })
        .onMessage(Answered.class, answered -> lacksTheAgent(answered.reply())
            ? waitingForTheMirror(answered.reply(), triesLeft - 1) : answer(answered.reply()))
        .onMessageEquals(Silence.INSTANCE, Behaviors::stopped)
        .build();
  }

  private static boolean lacksTheAgent(JobReply reply) {
    return reply instanceof JobReply.Rejected rejected
        && rejected.code().equals(JobDispatcher.NO_MATCHING_AGENT);
  }

  private Behavior<Command> answer(JobReply reply) {
    submit.replyTo().tell(reply);
    return Behaviors.stopped();
  }
}
