package io.workmate.bench.gateway;

import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.runtime.EffectiveMode;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.support.Backoff;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Failover rounds against one {@link LinkFault}: a {@link RuntimeSupervisor} in {@code auto}
 * with only a local gateway, in its own ActorSystem. Each round waits for the mode to be local,
 * marks the time, injects the fault, waits for {@code ModeChanged(to=offline)}, repairs, and
 * waits for local again.
 */
final class FailoverRounds {

  static final Duration FIRST_CONNECT_TIMEOUT = Duration.ofSeconds(90);
  static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);
  static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(3);
  /**
   * Hysteresis for the return to local, shortened from the default 3 s (doubling per flap up to
   * 60 s) so that twenty rounds fit in a minute. Failover itself never waits for it.
   */
  static final Duration STABLE_FOR = Duration.ofMillis(500);
  /** The production default (workmate.openclaw.reconnect-backoff). */
  static final Backoff RECONNECT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5),
      2.0, 0.2);
  /** A pause on local before the next fault, so the reconnect's own work has settled. */
  static final Duration SETTLE = Duration.ofMillis(300);

  private final LinkFault fault;
  private final String token;
  private final int rounds;
  private final PrintStream progress;

  FailoverRounds(LinkFault fault, String token, int rounds, PrintStream progress) {
    this.fault = fault;
    this.token = token;
    this.rounds = rounds;
    this.progress = progress;
  }

  FailoverResult run() {
    List<Long> failover = new ArrayList<>();
    List<Long> recovery = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    ModeWatch watch = new ModeWatch();
    try (BenchSystem<RuntimeSupervisor.Command> runtime =
        BenchSystem.start(supervisor(), "failover")) {
      runtime.guardian().tell(new RuntimeSupervisor.Subscribe(
          runtime.spawn(watch.subscriber(), "mode-watch")));
      if (watch.await(EffectiveMode.LOCAL, FIRST_CONNECT_TIMEOUT).isEmpty()) {
        problems.add("the runtime never reached local mode through " + fault.endpointUrl());
      }
      for (int round = 1; round <= rounds && problems.isEmpty(); round++) {
        runRound(round, watch, failover, recovery, problems);
      }
    }
    List<Duration> restarts = List.of();
    List<Duration> exits = List.of();
    if (fault instanceof GatewayKill kill) {
      restarts = kill.restartTimes();
      exits = kill.exitTimes();
    }
    return new FailoverResult(fault.label(), rounds, Latencies.of(toArray(failover)),
        Latencies.of(toArray(recovery)), restarts, exits, problems);
  }

  private void runRound(int round, ModeWatch watch, List<Long> failover, List<Long> recovery,
      List<String> problems) {
    pause(SETTLE);
    watch.clear();
    List<String> skipped = new ArrayList<>();
    long start = System.nanoTime();
    fault.inject();
    Optional<ModeWatch.Arrival> offline =
        watch.await(EffectiveMode.OFFLINE, FAILOVER_TIMEOUT, skipped);
    if (offline.isEmpty()) {
      problems.add(fault.label() + " round " + round + ": no change to offline within "
          + FAILOVER_TIMEOUT.toSeconds() + " s (saw " + skipped + ")");
      return;
    }
    long failoverNanos = offline.get().nanos() - start;
    failover.add(failoverNanos);

    long repairStart = System.nanoTime();
    try {
      fault.repair();
    } catch (RuntimeException | AssertionError repairFailed) {
      problems.add(fault.label() + " round " + round + ": repair failed: "
          + repairFailed.getMessage());
      return;
    }
    Optional<ModeWatch.Arrival> local =
        watch.await(EffectiveMode.LOCAL, RECOVERY_TIMEOUT, skipped);
    if (local.isEmpty()) {
      problems.add(fault.label() + " round " + round + ": not back on local within "
          + RECOVERY_TIMEOUT.toSeconds() + " s (saw " + skipped + ")");
      return;
    }
    recovery.add(local.get().nanos() - repairStart);
    progress.printf("gateway-bench: %s %d/%d: offline after %.1f ms (%s), local again after"
            + " %.1f s%n", fault.label(), round, rounds, failoverNanos / 1e6,
        offline.get().change().reason(), (local.get().nanos() - repairStart) / 1e9);
  }

  private Behavior<RuntimeSupervisor.Command> supervisor() {
    GatewayEndpoint local = GatewayEndpoint.of(RuntimeSupervisor.LOCAL, fault.endpointUrl(),
        token).withReconnectBackoff(RECONNECT);
    // Messages never go through this runtime, so its local Codex route is never taken.
    ThreadSettings unusedThreads =
        ThreadSettings.defaults(Path.of(System.getProperty("java.io.tmpdir")));
    RuntimeSettings settings = RuntimeSettings.of(Mode.AUTO, Optional.of(local),
        Optional.empty(), unusedThreads).withStability(STABLE_FOR, STABLE_FOR, STABLE_FOR);
    return Behaviors.setup(context -> {
      ActorRef<CodexPool.Command> noCodex =
          context.spawn(Behaviors.<CodexPool.Command>ignore(), "no-codex");
      return RuntimeSupervisor.create(settings, noCodex);
    });
  }

  private static long[] toArray(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).toArray();
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
