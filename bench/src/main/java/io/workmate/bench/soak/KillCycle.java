package io.workmate.bench.soak;

import io.workmate.bench.soak.ServiceApi.Answer;
import io.workmate.bench.soak.SoakProfile.KillPlan;
import io.workmate.bench.soak.SoakProfile.Write;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One cycle's life of the service: acknowledged writes with the profile's idle gaps for the
 * cycle's length, then the kill as the profile plans it. Most plans end on "a write was
 * acknowledged, then nothing happened for a while": the moment H2 2.5.x lost the newest chunk.
 */
final class KillCycle {

  /** What the cycle did: its writes' refusals and when and how the JVM died. */
  /** A transition this old is committed: the ledger writes within milliseconds. */
  private static final Duration SETTLED = Duration.ofMillis(500);

  record Outcome(int writes, KillPlan plan, Instant killedAt, List<String> unexpected) {}

  private final ServeProcess serve;
  private final WriteLoad load;
  private final SoakProfile profile;
  private final Random random;
  private final Acknowledged acked;
  private final int cycle;

  KillCycle(ServeProcess serve, WriteLoad load, SoakProfile profile, Random random,
      Acknowledged acked, int cycle) {
    this.serve = serve;
    this.load = load;
    this.profile = profile;
    this.random = random;
    this.acked = acked;
    this.cycle = cycle;
  }

  Outcome run(Duration length) {
    int before = acked.total();
    long end = System.nanoTime() + length.toNanos();
    while (true) {
      load.send(profile.nextWrite(random));
      Duration gap = profile.gap(random);
      if (System.nanoTime() + gap.toNanos() >= end) {
        break;
      }
      ServeProcess.pause(gap); // the idle time is the point: H2 writes its header lazily
    }
    KillPlan plan = profile.killPlan(random);
    Instant killedAt = switch (plan.when()) {
      case AFTER_IDLE -> {
        ServeProcess.pause(plan.delay());
        noteFinals();
        yield serve.kill();
      }
      case RIGHT_AFTER_ACK -> {
        noteFinals();
        yield serve.kill();
      }
      case DURING_WRITE -> killDuringWrite(plan.delay());
    };
    return new Outcome(acked.total() - before, plan, killedAt, load.unexpected);
  }

  /** Sends one more write and kills the JVM {@code delay} into it; books it if answered. */
  private Instant killDuringWrite(Duration delay) {
    noteFinals();
    WriteLoad.Request request = load.planInterruptible();
    CompletableFuture<Answer> answer = serve.api().postAsync(request.path(), request.body());
    ServeProcess.pause(delay);
    Instant killedAt = serve.kill();
    Answer got;
    try {
      got = answer.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      got = new Answer(0, ServiceApi.JSON.missingNode(), e.toString());
    }
    if (got.status() == 0) {
      request.onNoAnswer().run(); // cut off, as planned: not an unexpected answer
    } else {
      load.answered(request, got);
    }
    return killedAt;
  }

  /** What is final by now must stay so (reads: nothing is written before the kill). */
  private void noteFinals() {
    Verifier.noteFinals(serve.api(), acked, SETTLED, cycle);
  }

  static String describe(Write write) {
    return write.name().toLowerCase().replace('_', '-');
  }
}
