package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.nativeos.SystemdNotifier;
import io.workmate.runtime.RuntimeSupervisor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Tells systemd how the service is, from the actor system's own liveness: each beat asks the
 * runtime supervisor, then the job dispatcher, and only when both answered in time does
 * {@code WATCHDOG=1} go out. A stalled dispatcher or a blocked actor system therefore stops the
 * pings and systemd restarts the service, which a plain timer would hide. The next beat is
 * scheduled when a probe ends, so probes never pile up behind a slow actor.
 *
 * <p>{@link #starting()} probes often until the service is ready by the rule of
 * {@code /v1/ready} ({@link Readiness}) and then sends {@code READY=1} with {@code MAINPID};
 * {@link #watching()} pings at half of {@code WATCHDOG_USEC} and sends {@code STATUS=} (mode,
 * queue depth, running jobs) every status interval.
 */
public final class ServiceWatchdog {

  public sealed interface Command {}

  private record Beat() implements Command {}

  private record SupervisorAnswered(RuntimeSupervisor.RuntimeState state, Throwable failure)
      implements Command {}

  private record DispatcherAnswered(RuntimeSupervisor.RuntimeState state,
      JobDispatcher.Stats stats, Throwable failure) implements Command {}

  /**
   * @param watchdog systemd's watchdog interval ({@code WATCHDOG_USEC}); empty: no pings
   * @param statusInterval how often {@code STATUS=} is sent
   */
  public record Settings(Optional<Duration> watchdog, Duration statusInterval) {

    /** Half the interval, as sd_watchdog_enabled(3) advises; a beat without watchdog: status. */
    Duration beat() {
      return watchdog.map(interval -> interval.dividedBy(2)).orElse(statusInterval);
    }
  }

  private static final Duration STARTING_BEAT = Duration.ofMillis(200);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final SystemdNotifier notifier;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final Supplier<JournalHealth.State> journal;
  private final DrainSignal drain;
  private final Settings settings;
  private final Clock clock;
  private Instant lastStatusAt = Instant.EPOCH;
  private String lastFailure;

  public static Behavior<Command> create(SystemdNotifier notifier,
      ActorRef<RuntimeSupervisor.Command> runtime, ActorRef<JobDispatcher.Command> dispatcher,
      Supplier<JournalHealth.State> journal, DrainSignal drain, Settings settings, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ServiceWatchdog watchdog = new ServiceWatchdog(context, timers, notifier, runtime,
          dispatcher, journal, drain, settings, clock);
      context.getSelf().tell(new Beat());
      return watchdog.starting();
    }));
  }

  private ServiceWatchdog(ActorContext<Command> context, TimerScheduler<Command> timers,
      SystemdNotifier notifier, ActorRef<RuntimeSupervisor.Command> runtime,
      ActorRef<JobDispatcher.Command> dispatcher, Supplier<JournalHealth.State> journal,
      DrainSignal drain, Settings settings, Clock clock) {
    this.context = context;
    this.timers = timers;
    this.notifier = notifier;
    this.runtime = runtime;
    this.dispatcher = dispatcher;
    this.journal = journal;
    this.drain = drain;
    this.settings = settings;
    this.clock = clock;
  }

  private Behavior<Command> starting() {
    return Behaviors.receive(Command.class)
        .onMessage(Beat.class, beat -> probe(STARTING_BEAT))
        .onMessage(SupervisorAnswered.class, answered -> askDispatcher(answered, STARTING_BEAT))
        .onMessage(DispatcherAnswered.class, this::onProbedWhileStarting)
        .build();
  }

  private Behavior<Command> onProbedWhileStarting(DispatcherAnswered probed) {
    timers.startSingleTimer(new Beat(), STARTING_BEAT);
    if (probed.failure() != null
        || Readiness.notReadyReason(probed.stats(), journal.get(), drain.draining()).isPresent()) {
      return Behaviors.same();
    }
    notifier.send("READY=1\nMAINPID=" + ProcessHandle.current().pid());
    context.getLog().info("ready: told systemd (READY=1){}", settings.watchdog()
        .map(interval -> "; watchdog pings every " + settings.beat().toMillis() + " ms")
        .orElse(""));
    sendStatus(probed);
    if (settings.watchdog().isPresent()) {
      notifier.watchdog();
    }
    timers.startSingleTimer(new Beat(), settings.beat());
    return watching();
  }

  private Behavior<Command> watching() {
    return Behaviors.receive(Command.class)
        .onMessage(Beat.class, beat -> probe(settings.beat()))
        .onMessage(SupervisorAnswered.class,
            answered -> askDispatcher(answered, settings.beat()))
        .onMessage(DispatcherAnswered.class, this::onProbed)
        .build();
  }

  private Behavior<Command> onProbed(DispatcherAnswered probed) {
    timers.startSingleTimer(new Beat(), settings.beat());
    if (probed.failure() != null) {
      String failure = String.valueOf(probed.failure().getMessage());
      if (!failure.equals(lastFailure)) {
        context.getLog().warn("watchdog: no ping to systemd: {}", failure);
      }
      lastFailure = failure;
      return Behaviors.same();
    }
    if (lastFailure != null) {
      context.getLog().info("watchdog: the actors answer again; pinging systemd");
      lastFailure = null;
    }
    if (settings.watchdog().isPresent()) {
      notifier.watchdog();
    }
    if (!clock.instant().isBefore(lastStatusAt.plus(settings.statusInterval()))) {
      sendStatus(probed);
    }
    return Behaviors.same();
  }

  /** Both asks together take at most one beat, so a ping is never late because of a probe. */
  private Behavior<Command> probe(Duration beat) {
    context.ask(RuntimeSupervisor.RuntimeState.class, runtime, beat.dividedBy(2),
        RuntimeSupervisor.GetState::new, SupervisorAnswered::new);
    return Behaviors.same();
  }

  private Behavior<Command> askDispatcher(SupervisorAnswered answered, Duration beat) {
    if (answered.failure() != null) {
      context.getSelf().tell(new DispatcherAnswered(null, null, new IllegalStateException(
          "the runtime supervisor did not answer within " + beat.dividedBy(2).toMillis()
              + " ms")));
      return Behaviors.same();
    }
    context.ask(JobDispatcher.Stats.class, dispatcher, beat.dividedBy(2),
        JobDispatcher.GetStats::new,
        (stats, failure) -> new DispatcherAnswered(answered.state(), stats,
            failure == null ? null : new IllegalStateException("the job dispatcher did not "
                + "answer within " + beat.dividedBy(2).toMillis() + " ms")));
    return Behaviors.same();
  }

  private void sendStatus(DispatcherAnswered probed) {
    lastStatusAt = clock.instant();
    notifier.status(statusLine(probed.state(), probed.stats()));
  }

  /** One human line: what {@code systemctl status} shows. */
  static String statusLine(RuntimeSupervisor.RuntimeState state, JobDispatcher.Stats stats) {
    String mode = "mode " + state.effective().wire()
        + (state.requested().wire().equals(state.effective().wire()) ? ""
            : " (requested " + state.requested().wire() + ")");
    String jobs = stats.running() + " running, " + stats.queued() + " queued";
    return stats.draining() ? "draining: " + jobs + " (queued jobs wait for the next start); "
        + mode : mode + "; " + jobs;
  }
}
