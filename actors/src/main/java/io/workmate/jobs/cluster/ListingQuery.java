package io.workmate.jobs.cluster;

import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobPosition;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSummary;
import io.workmate.jobs.dispatch.JobDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One page of a cluster's job listing: every shard's next page after the same position
 * (submission time, then id; {@link JobPosition}), merged. The client's {@code after} is a job
 * id, so first the shard of that job says where it stands. Its own timer: a shard that does not
 * answer in time leaves the page unanswered (a page missing a shard's jobs would skip them for
 * good), and the caller's ask fails.
 */
final class ListingQuery {

  private interface Command {}

  private record Located(JobReply reply) implements Command {}

  private record Page(JobDispatcher.JobPage page) implements Command {}

  private enum TimedOut implements Command { INSTANCE }

  static Behavior<?> create(JobDispatcher.ListJobs list,
      List<? extends RecipientRef<JobDispatcher.Command>> shards, int shardCount,
      Duration timeout) {
    return Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(TimedOut.INSTANCE, timeout);
      ListingQuery query = new ListingQuery(context, list, shards);
      if (list.after() == null) {
        return query.gathering(null);
      }
      shards.get(JobLedger.shardOf(list.after(), shardCount)).tell(new JobDispatcher.Get(
          list.after(), context.messageAdapter(JobReply.class, Located::new)));
      return query.locating();
    }));
  }

  private final ActorContext<Command> context;
  private final JobDispatcher.ListJobs list;
  private final List<? extends RecipientRef<JobDispatcher.Command>> shards;
  private final int limit;
  private final List<JobSummary> jobs = new ArrayList<>();
  private boolean more;
  private int answered;

  private ListingQuery(ActorContext<Command> context, JobDispatcher.ListJobs list,
      List<? extends RecipientRef<JobDispatcher.Command>> shards) {
    this.context = context;
    this.list = list;
    this.shards = shards;
    this.limit = Math.max(1, Math.min(JobDispatcher.MAX_PAGE, list.limit()));
  }

  private Behavior<Command> locating() {
    return Behaviors.receive(Command.class)
        .onMessage(Located.class, located -> gathering(
            // an unknown job: from the first, as one node's listing does
            located.reply() instanceof JobReply.Current current
                ? new JobPosition(current.job().createdAt(), current.job().id()) : null))
        .onMessage(TimedOut.class, timedOut -> Behaviors.stopped())
        .build();
  }

  private Behavior<Command> gathering(JobPosition after) {
    ActorRef<JobDispatcher.JobPage> pages =
        context.messageAdapter(JobDispatcher.JobPage.class, Page::new);
    shards.forEach(shard -> shard.tell(
        new JobDispatcher.PageFrom(list.status(), list.agent(), limit, after, pages)));
    return Behaviors.receive(Command.class)
        .onMessage(Page.class, this::onPage)
        .onMessage(TimedOut.class, timedOut -> {
          context.getLog().warn("job listing: {} of {} shards answered in time", answered,
              shards.size());
          return Behaviors.stopped();
        })
        .build();
  }

  private Behavior<Command> onPage(Page page) {
    jobs.addAll(page.page().jobs());
    more |= page.page().next() != null;
    if (++answered < shards.size()) {
      return Behaviors.same();
    }
    jobs.sort(Comparator.comparing(JobPosition::of));
    List<JobSummary> taken = jobs.size() > limit ? jobs.subList(0, limit) : jobs;
    boolean follows = more || jobs.size() > limit;
    list.replyTo().tell(new JobDispatcher.JobPage(List.copyOf(taken),
        follows && !taken.isEmpty() ? taken.get(taken.size() - 1).id() : null));
    return Behaviors.stopped();
  }
}
