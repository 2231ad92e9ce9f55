package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Keeps the jobs finished per minute over the last hour ({@link JobRateWindow}) from the
 * dispatcher's finished jobs, for {@code GET /v1/stats} and the dashboard's chart. In a cluster
 * it counts the jobs of the shards this node hosts.
 */
public final class JobRates {

  public sealed interface Command {}

  /** Answered with {@link Rates}. */
  public record GetRates(ActorRef<Rates> replyTo) implements Command {}

  /** The window's buckets, oldest first. */
  public record Rates(List<JobRateWindow.Bucket> buckets) {}

  private record JobFinished(JobDispatcher.Finished finished) implements Command {}

  private JobRates() {}

  public static Behavior<Command> create(ActorRef<JobDispatcher.Command> dispatcher,
      Clock clock) {
    return Behaviors.setup(context -> {
      dispatcher.tell(new JobDispatcher.SubscribeFinished(
          context.messageAdapter(JobDispatcher.Finished.class, JobFinished::new)));
      JobRateWindow window = new JobRateWindow();
      return Behaviors.receive(Command.class)
          .onMessage(JobFinished.class, done -> {
            window.finished(done.finished().job().status(), clock.instant());
            return Behaviors.same();
          })
          .onMessage(GetRates.class, get -> {
            get.replyTo().tell(new Rates(window.buckets(clock.instant())));
            return Behaviors.same();
          })
          .build();
    });
  }
}
