package io.workmate.jobs.cluster;

import io.workmate.jobs.dispatch.JobDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One question to several job shards, as the IoT tutorial's {@code DeviceGroupQuery}: it asks
 * every shard, gathers their answers until all came, one of them settles it, or its timeout
 * (its own timer), then hands them over once and stops. A shard that does not answer is left
 * out ({@link Answers#complete()} says so).
 */
final class ShardsQuery {

  /** What the shards answered, and whether every one did. */
  record Answers<R>(List<R> replies, boolean complete) {}

  private interface Command {}

  private record Answer(Object reply) implements Command {}

  private enum TimedOut implements Command { INSTANCE }

  private ShardsQuery() {}

  /** Gathers until every shard answered or the timeout. */
  static <R> Behavior<?> create(List<? extends RecipientRef<JobDispatcher.Command>> shards,
      Class<R> replyType, Function<ActorRef<R>, JobDispatcher.Command> question,
      Duration timeout, Consumer<Answers<R>> done) {
    return create(shards, replyType, question, timeout, reply -> false, done);
  }

  /** As the other, also ending at the first answer that {@code settles} the question. */
  static <R> Behavior<?> create(List<? extends RecipientRef<JobDispatcher.Command>> shards,
      Class<R> replyType, Function<ActorRef<R>, JobDispatcher.Command> question,
      Duration timeout, Predicate<R> settles, Consumer<Answers<R>> done) {
    return Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      List<R> replies = new ArrayList<>(shards.size());
      if (shards.isEmpty()) {
        done.accept(new Answers<>(replies, true));
        return Behaviors.stopped();
      }
      ActorRef<R> answers = context.messageAdapter(replyType, Answer::new);
      shards.forEach(shard -> shard.tell(question.apply(answers)));
      timers.startSingleTimer(TimedOut.INSTANCE, timeout);
      return Behaviors.receive(Command.class)
          .onMessage(Answer.class, answer -> {
            R reply = replyType.cast(answer.reply());
            replies.add(reply);
            if (settles.test(reply) || replies.size() == shards.size()) {
              done.accept(new Answers<>(replies, true));
              return Behaviors.stopped();
            }
            return Behaviors.same();
          })
          .onMessage(TimedOut.class, timedOut -> {
            done.accept(new Answers<>(replies, false));
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
