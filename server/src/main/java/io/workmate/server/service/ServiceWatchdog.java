package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
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
 * pings and systemd restarts the service, which a plain timer would hide. Beats come at a fixed
 * rate and a probe gets a quarter beat per question, so a ping leaves at most 1.5 beats (three
 * quarters of {@code WATCHDOG_USEC}) after the last one even when the actors answer slowly; a
 * beat that finds the last probe still {@link #probing()} is skipped, so probes never pile up.
 *
 * <p>{@link #starting()} probes often until the service is ready by the rule of
 * {@code /v1/ready} ({@link Readiness}) and then sends {@code READY=1} with {@code MAINPID};
 * {@link #watching()} pings at half of {@code WATCHDOG_USEC} and sends {@code STATUS=} (mode,
 * queue depth, running jobs) every status interval.
 */
public final class ServiceWatchdog {

  public sealed interface Command {}

  private record Beat() implements Command {}

  private static final Object BEAT_TIMER = "beat";

  private record SupervisorAnswered(RuntimeSupervisor.RuntimeState state, Throwable failure)
      implements Command {}

  private record DispatcherAnswered(RuntimeSupervisor.RuntimeState state,
      JobStats stats, Throwable failure) implements Command {}

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
        .onMessage(Beat.class, beat -> {
          probe(STARTING_BEAT.dividedBy(2));
          return Behaviors.same();
        })
        .onMessage(SupervisorAnswered.class,
            answered -> askDispatcher(answered, STARTING_BEAT.dividedBy(2)))
        .onMessage(DispatcherAnswered.class, this::onProbedWhileStarting)
        .build();
  }

  private Behavior<Command> onProbedWhileStarting(DispatcherAnswered probed) {
    if (probed.failure() != null
        || Readiness.notReadyReason(probed.stats(), journal.get(), drain.draining(),
            ClusterMembership.notUpReason(context.getSystem())).isPresent()) {
      // only while not ready: a starting beat left over would probe once more beside the
      // watchdog's own beat
      timers.startSingleTimer(new Beat(), STARTING_BEAT);
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
    timers.startTimerAtFixedRate(BEAT_TIMER, new Beat(), settings.beat());
    return watching();
  }

  /** Between probes: the next beat starts one. */
  private Behavior<Command> watching() {
    return Behaviors.receive(Command.class)
        .onMessage(Beat.class, beat -> {
          probe(perQuestion());
          return probing();
        })
        .build();
  }

  /** A probe is out; a beat now finds the actors slower than a beat and is skipped. */
  private Behavior<Command> probing() {
    return Behaviors.receive(Command.class)
        .onMessage(Beat.class, beat -> Behaviors.same())
        .onMessage(SupervisorAnswered.class, answered -> askDispatcher(answered, perQuestion()))
        .onMessage(DispatcherAnswered.class, this::onProbed)
        .build();
  }

  /** Two questions per probe: together half a beat, leaving the other half for scheduling. */
  private Duration perQuestion() {
    return settings.beat().dividedBy(4);
  }

  private Behavior<Command> onProbed(DispatcherAnswered probed) {
    if (probed.failure() != null) {
      String failure = String.valueOf(probed.failure().getMessage());
      if (!failure.equals(lastFailure)) {
        context.getLog().warn("watchdog: no ping to systemd: {}", failure);
      }
      lastFailure = failure;
      return watching();
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
    return watching();
  }

  /** Asks the supervisor, then ({@link #askDispatcher}) the dispatcher, each within budget. */
  private void probe(Duration budget) {
    context.ask(RuntimeSupervisor.RuntimeState.class, runtime, budget,
        RuntimeSupervisor.GetState::new, SupervisorAnswered::new);
  }

  private Behavior<Command> askDispatcher(SupervisorAnswered answered, Duration budget) {
    if (answered.failure() != null) {
      context.getSelf().tell(new DispatcherAnswered(null, null, new IllegalStateException(
          "the runtime supervisor did not answer within " + budget.toMillis() + " ms")));
      return Behaviors.same();
    }
    context.ask(JobStats.class, dispatcher, budget,
        JobDispatcher.GetStats::new,
        (stats, failure) -> new DispatcherAnswered(answered.state(), stats,
            failure == null ? null : new IllegalStateException("the job dispatcher did not "
                + "answer within " + budget.toMillis() + " ms")));
    return Behaviors.same();
  }

  private void sendStatus(DispatcherAnswered probed) {
    lastStatusAt = clock.instant();
    notifier.status(statusLine(probed.state(), probed.stats()));
  }

  /** One human line: what {@code systemctl status} shows. */
  static String statusLine(RuntimeSupervisor.RuntimeState state, JobStats stats) {
    String mode = "mode " + state.effective().wire()
        + (state.requested().wire().equals(state.effective().wire()) ? ""
            : " (requested " + state.requested().wire() + ")");
    String jobs = stats.running() + " running, " + stats.queued() + " queued";
    return stats.draining() ? "draining: " + jobs + " (queued jobs wait for the next start); "
        + mode : mode + "; " + jobs;
  }
}
