package io.workmate.bench.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;

/**
 * One ActorSystem per bench phase, so that a phase's gateway connections are gone (terminated
 * with the system) before the next phase measures anything.
 */
final class BenchSystem<T> implements AutoCloseable {

  private final ActorSystem<T> system;

  private BenchSystem(ActorSystem<T> system) {
    this.system = system;
  }

  static <T> BenchSystem<T> start(Behavior<T> guardian, String name) {
    return new BenchSystem<>(ActorSystem.create(guardian, name, quietConfig()));
  }

  /** The guardian: the actor under test (a supervisor or a gateway connection). */
  ActorRef<T> guardian() {
    return system;
  }

  ActorSystem<T> system() {
    return system;
  }

  /** A helper actor next to the guardian (a subscriber, a driver). */
  <U> ActorRef<U> spawn(Behavior<U> behavior, String name) {
    return system.systemActorOf(behavior, name, Props.empty());
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception slowOrInterrupted) {
      // the next phase runs on its own system anyway
    }
  }

  /** The bench prints its own table; only warnings from the runtime belong next to it. */
  private static Config quietConfig() {
    return ConfigFactory.parseString(String.join("\n",
        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
        "pekko.loglevel = WARNING",
        "pekko.stdout-loglevel = WARNING",
        "pekko.log-dead-letters = off"))
        .withFallback(ConfigFactory.load());
  }
}
