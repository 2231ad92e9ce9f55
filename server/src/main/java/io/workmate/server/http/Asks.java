package io.workmate.server.http;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** Asks from a route. */
final class Asks {

  private Asks() {}

  /**
   * The answer, continued on the actor system's executor: the Java ask's future would otherwise
   * run every callback on a new thread on a 2-CPU machine (commonPool parallelism 1).
   */
  static <C, R> CompletionStage<R> ask(ActorSystem<?> system, RecipientRef<C> target,
      Function<ActorRef<R>, C> message, Duration timeout) {
    return AskPattern.<C, R>ask(target, message::apply, timeout, system.scheduler())
        .thenApplyAsync(answer -> answer, system.executionContext());
  }
}
