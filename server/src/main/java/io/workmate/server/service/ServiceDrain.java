package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.nativeos.SystemdNotifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The graceful stop of {@code serve} (SIGTERM, Ctrl-C or {@code POST /v1/admin/drain}): the
 * dispatcher stops admitting and starting jobs and running attempts may finish for up to the
 * drain timeout; then, or at a second stop request, the attempts still running are interrupted
 * and requeued without spending an attempt. Once none runs, {@link DrainSignal} says so and the
 * service exits 0. Meanwhile systemd hears {@code STOPPING=1} and, every few seconds,
 * {@code EXTEND_TIMEOUT_USEC} covering the rest of the drain, so it does not kill a drain that
 * keeps its promise.
 */
public final class ServiceDrain {

  public sealed interface Command {}

  /** A stop request; {@code source} names it in the log ("SIGTERM", "POST /v1/admin/drain"). */
  public record Begin(String source) implements Command {}

  private record DrainTimeUp() implements Command {}

  private record ExtendTimeout() implements Command {}

  private record DispatcherDrained(JobDispatcher.Drained drained) implements Command {}

  /** systemd is told the stop needs this much beyond what is left of the drain. */
  static final Duration STOP_MARGIN = Duration.ofSeconds(30);
  private static final Duration EXTEND_EVERY = Duration.ofSeconds(5);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final SystemdNotifier notifier;
  private final Duration drainTimeout;
  private final DrainSignal signal;
  private final Clock clock;

  public static Behavior<Command> create(ActorRef<JobDispatcher.Command> dispatcher,
      SystemdNotifier notifier, Duration drainTimeout, DrainSignal signal, Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new ServiceDrain(context, timers, dispatcher, notifier, drainTimeout, signal, clock)
            .serving()));
  }

  private ServiceDrain(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<JobDispatcher.Command> dispatcher, SystemdNotifier notifier,
      Duration drainTimeout, DrainSignal signal, Clock clock) {
    this.context = context;
    this.timers = timers;
    this.dispatcher = dispatcher;
    this.notifier = notifier;
    this.drainTimeout = drainTimeout;
    this.signal = signal;
    this.clock = clock;
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Begin.class, this::onBegin)
        .build();
  }

  private Behavior<Command> onBegin(Begin begin) {
    Instant now = clock.instant();
    Instant deadline = now.plus(drainTimeout);
    signal.beginDrain(now);
    context.getLog().info("{}: draining: no new jobs; running attempts get up to {} s to finish",
        begin.source(), drainTimeout.toSeconds());
    notifier.stopping();
    notifier.status("draining: waiting up to " + drainTimeout.toSeconds()
        + " s for running jobs");
    notifier.extendTimeout(drainTimeout.plus(STOP_MARGIN));
    dispatcher.tell(new JobDispatcher.Drain(
        context.messageAdapter(JobDispatcher.Drained.class, DispatcherDrained::new)));
    timers.startSingleTimer(new DrainTimeUp(), drainTimeout);
    timers.startTimerWithFixedDelay(new ExtendTimeout(), EXTEND_EVERY);
    return draining(deadline);
  }

  private Behavior<Command> draining(Instant deadline) {
    return Behaviors.receive(Command.class)
        .onMessage(Begin.class, again -> {
          context.getLog().info("{} again: interrupting the running jobs now", again.source());
          releaseRunning("a second stop request");
          return Behaviors.same();
        })
        .onMessage(DrainTimeUp.class, up -> {
          context.getLog().info("drain timeout of {} s passed: interrupting the running jobs",
              drainTimeout.toSeconds());
          releaseRunning("the drain timeout of " + drainTimeout.toSeconds() + " s passed");
          return Behaviors.same();
        })
        .onMessage(ExtendTimeout.class, extend -> {
          Duration left = Duration.between(clock.instant(), deadline);
          notifier.extendTimeout((left.isNegative() ? Duration.ZERO : left).plus(STOP_MARGIN));
          return Behaviors.same();
        })
        .onMessage(DispatcherDrained.class, this::onDrained)
        .build();
  }

  private void releaseRunning(String why) {
    timers.cancel(DrainTimeUp.class);
    dispatcher.tell(new JobDispatcher.ReleaseRunning(
        "interrupted by shutdown: requeued without spending an attempt (" + why + ")"));
  }

  private Behavior<Command> onDrained(DispatcherDrained drained) {
    timers.cancelAll();
    int released = drained.drained().released();
    context.getLog().info("drained: no job runs; {} interrupted and requeued without spending "
        + "an attempt", released);
    notifier.status("stopping: drained (" + released + " job(s) requeued)");
    signal.markDrained(new DrainSignal.Drained(released));
    return stopped();
  }

  private Behavior<Command> stopped() {
    return Behaviors.receive(Command.class)
        .onAnyMessage(late -> Behaviors.same()) // the service is exiting
        .build();
  }
}
