package io.workmate.server.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.workmate.codex.CodexPool;
import io.workmate.runtime.EffectiveMode;
import io.workmate.runtime.RuntimeSupervisor;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Polls the codex pool and the runtime for the gauges of {@code /metrics}: live codex processes
 * and threads, and the effective mode. A scrape only reads the last values, so it never waits on
 * an actor.
 */
public final class ServiceGauges {

  static final Duration POLL_EVERY = Duration.ofSeconds(5);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  public sealed interface Command {}

  private record Poll() implements Command {}

  private record PoolAnswered(CodexPool.PoolStatus status) implements Command {}

  private record RuntimeAnswered(RuntimeSupervisor.RuntimeState state) implements Command {}

  private ServiceGauges() {}

  public static Behavior<Command> create(ActorRef<CodexPool.Command> pool,
      ActorRef<RuntimeSupervisor.Command> runtime, MeterRegistry registry) {
    AtomicInteger processes = new AtomicInteger();
    AtomicInteger threads = new AtomicInteger();
    AtomicReference<EffectiveMode> mode = new AtomicReference<>();
    Gauge.builder("workmate.codex.processes", processes, AtomicInteger::get)
        .description("live codex app-server processes").register(registry);
    Gauge.builder("workmate.codex.threads", threads, AtomicInteger::get)
        .description("open codex threads").register(registry);
    for (EffectiveMode candidate : EffectiveMode.values()) {
      Gauge.builder("workmate.mode", mode, current -> current.get() == candidate ? 1 : 0)
          .tag("mode", candidate.name().toLowerCase(Locale.ROOT))
          .description("1 for the effective mode, 0 for the others").register(registry);
    }
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Poll(), Duration.ZERO, POLL_EVERY);
      return Behaviors.receive(Command.class)
          .onMessage(Poll.class, poll -> {
            context.ask(CodexPool.PoolStatus.class, pool, ASK_TIMEOUT,
                CodexPool.GetStatus::new, (status, failure) -> new PoolAnswered(status));
            context.ask(RuntimeSupervisor.RuntimeState.class, runtime, ASK_TIMEOUT,
                RuntimeSupervisor.GetState::new, (state, failure) -> new RuntimeAnswered(state));
            return Behaviors.same();
          })
          .onMessage(PoolAnswered.class, answered -> {
            // no answer: keep the last values rather than report a pool that vanished
            if (answered.status() != null) {
              processes.set(answered.status().processes());
              threads.set(answered.status().liveThreads());
            }
            return Behaviors.same();
          })
          .onMessage(RuntimeAnswered.class, answered -> {
            if (answered.state() != null) {
              mode.set(answered.state().effective());
            }
            return Behaviors.same();
          })
          .build();
    }));
  }
}
