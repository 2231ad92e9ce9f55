package io.workmate.support;

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
 * One question to several actors (the job targets of a cluster, its nodes' agent registries), as
 * the IoT tutorial's {@code DeviceGroupQuery}: it asks every one, gathers their answers until all
 * came, one of them settles it, or its timeout (its own timer), then hands them over once and
 * stops. One that does not answer is left out ({@link Answers#complete()} says so).
 */
public final class GatherQuery {

  /** What they answered, and whether every one did. */
  public record Answers<R>(List<R> replies, boolean complete) {}

  private interface Command {}

  private record Answer(Object reply) implements Command {}

  private enum TimedOut implements Command { INSTANCE }

  private GatherQuery() {}

  /** Gathers until every one answered or the timeout. */
  public static <C, R> Behavior<?> create(List<? extends RecipientRef<C>> targets,
      Class<R> replyType, Function<ActorRef<R>, C> question,
      Duration timeout, Consumer<Answers<R>> done) {
    return create(targets, replyType, question, timeout, reply -> false, done);
  }

  /** As the other, also ending at the first answer that {@code settles} the question. */
  public static <C, R> Behavior<?> create(List<? extends RecipientRef<C>> targets,
      Class<R> replyType, Function<ActorRef<R>, C> question,
      Duration timeout, Predicate<R> settles, Consumer<Answers<R>> done) {
    return Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      List<R> replies = new ArrayList<>(targets.size());
      if (targets.isEmpty()) {
        done.accept(new Answers<>(replies, true));
        return Behaviors.stopped();
      }
      ActorRef<R> answers = context.messageAdapter(replyType, Answer::new);
      targets.forEach(target -> target.tell(question.apply(answers)));
      timers.startSingleTimer(TimedOut.INSTANCE, timeout);
      return Behaviors.receive(Command.class)
          .onMessage(Answer.class, answer -> {
            R reply = replyType.cast(answer.reply());
            replies.add(reply);
            if (settles.test(reply) || replies.size() == targets.size()) {
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
