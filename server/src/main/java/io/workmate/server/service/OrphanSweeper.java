package io.workmate.server.service;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs {@link ProcessHygiene#sweepOrphans()} every {@code interval} on the blocking dispatcher,
 * one sweep at a time: a process orphaned by a dead app-server lives at most about that long.
 */
public final class OrphanSweeper {

  public sealed interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Swept(int killed, Throwable failure) implements Command {}

  public static Behavior<Command> create(ProcessHygiene hygiene, Duration interval) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new OrphanSweeper(hygiene, interval, context, timers).idle()));
  }

  private final ProcessHygiene hygiene;
  private final Duration interval;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;

  private OrphanSweeper(ProcessHygiene hygiene, Duration interval,
      ActorContext<Command> context, TimerScheduler<Command> timers) {
    this.hygiene = hygiene;
    this.interval = interval;
    this.context = context;
    this.timers = timers;
    timers.startSingleTimer(Tick.INSTANCE, interval);
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .build();
  }

  private Behavior<Command> sweeping() {
    return Behaviors.receive(Command.class)
        .onMessage(Swept.class, this::onSwept)
        .build();
  }

  private Behavior<Command> onTick() {
    context.pipeToSelf(CompletableFuture.supplyAsync(hygiene::sweepOrphans,
            context.getSystem().dispatchers().lookup(DispatcherSelector.blocking())),
        Swept::new);
    return sweeping();
  }

  private Behavior<Command> onSwept(Swept swept) {
    if (swept.failure() != null) {
      context.getLog().warn("orphan sweep failed: {}", swept.failure().toString());
    } else if (swept.killed() > 0) {
      context.getLog().info("killed {} orphaned process(es) of app-servers that are gone",
          swept.killed());
    }
    timers.startSingleTimer(Tick.INSTANCE, interval);
    return idle();
  }
}
