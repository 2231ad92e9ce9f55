package io.workmate.bench.soak;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Which writes a cycle sends, how long it waits between them and how the kill comes. The two
 * fixed profiles are the reproductions of issue 12 (H2 2.5.x rolled back the newest chunk when
 * the file was older than its 45 s retention time and the service had been idle before the
 * kill); {@code mixed} is the soak: every kind of write, with the kill biased towards the same
 * "write, then quiet" moment, but sometimes right after an answer or during a request.
 */
public enum SoakProfile {
  MIXED("mixed", Optional.empty()) {
    @Override
    Write nextWrite(Random random) {
      return WEIGHTED_MIX.pick(random);
    }

    @Override
    Duration gap(Random random) {
      // mostly short pauses, one in ten a longer quiet spell (H2 writes its store header lazily)
      return random.nextInt(10) == 0 ? millis(random, 4_000, 9_000) : millis(random, 200, 4_000);
    }

    @Override
    KillPlan killPlan(Random random) {
      int roll = random.nextInt(10);
      if (roll < 6) {
        return new KillPlan(KillPlan.When.AFTER_IDLE, millis(random, 1_000, 6_000));
      } else if (roll < 8) {
        return new KillPlan(KillPlan.When.RIGHT_AFTER_ACK, Duration.ZERO);
      }
      return new KillPlan(KillPlan.When.DURING_WRITE, millis(random, 0, 30));
    }
  },

  /** Reproduction 1: an echo job every 3 s for about 70 s, the kill 2.5 s after the last. */
  JOBS_EVERY_3S("jobs-every-3s", Optional.of(Duration.ofSeconds(70))) {
    @Override
    Write nextWrite(Random random) {
      return Write.ECHO_JOB;
    }

    @Override
    Duration gap(Random random) {
      return Duration.ofSeconds(3);
    }

    @Override
    KillPlan killPlan(Random random) {
      return new KillPlan(KillPlan.When.AFTER_IDLE, Duration.ofMillis(2_500));
    }
  },

  /** Reproduction 3: a minute of jobs, memory notes and registrations, quiet, then the kill. */
  MIXED_MINUTE("mixed-minute", Optional.of(Duration.ofSeconds(60))) {
    @Override
    Write nextWrite(Random random) {
      return MINUTE_MIX.pick(random);
    }

    @Override
    Duration gap(Random random) {
      return millis(random, 500, 3_000);
    }

    @Override
    KillPlan killPlan(Random random) {
      return new KillPlan(KillPlan.When.AFTER_IDLE, millis(random, 3_000, 5_000));
    }
  };

  /** The kinds of acknowledged write the load sends. */
  public enum Write {
    ECHO_JOB, CODEX_JOB, SLOW_CODEX_JOB, APPROVAL_JOB, CANCEL, ANSWER_APPROVAL, MEMORY_APPEND,
    AGENT_REGISTER, AGENT_HEARTBEAT, AGENT_DEREGISTER, MODE_CHANGE
  }

  /** How the cycle ends: {@code delay} is the idle time, or the delay into the last request. */
  public record KillPlan(When when, Duration delay) {
    public enum When { AFTER_IDLE, RIGHT_AFTER_ACK, DURING_WRITE }

    @Override
    public String toString() {
      return switch (when) {
        case AFTER_IDLE -> "after " + delay.toMillis() + " ms idle";
        case RIGHT_AFTER_ACK -> "right after an ack";
        case DURING_WRITE -> delay.toMillis() + " ms into a request";
      };
    }
  }

  private static final Mix WEIGHTED_MIX = new Mix()
      .add(Write.ECHO_JOB, 20).add(Write.CODEX_JOB, 8).add(Write.SLOW_CODEX_JOB, 6)
      .add(Write.APPROVAL_JOB, 4).add(Write.CANCEL, 5).add(Write.ANSWER_APPROVAL, 4)
      .add(Write.MEMORY_APPEND, 20).add(Write.AGENT_REGISTER, 7).add(Write.AGENT_HEARTBEAT, 8)
      .add(Write.AGENT_DEREGISTER, 2).add(Write.MODE_CHANGE, 3);

  private static final Mix MINUTE_MIX = new Mix()
      .add(Write.ECHO_JOB, 3).add(Write.CODEX_JOB, 1).add(Write.MEMORY_APPEND, 3)
      .add(Write.AGENT_REGISTER, 2);

  private final String cliName;
  private final Optional<Duration> fixedCycleLength;

  SoakProfile(String cliName, Optional<Duration> fixedCycleLength) {
    this.cliName = cliName;
    this.fixedCycleLength = fixedCycleLength;
  }

  abstract Write nextWrite(Random random);

  /** The idle time after a write. */
  abstract Duration gap(Random random);

  abstract KillPlan killPlan(Random random);

  /** The reproductions have their own length; {@code --cycle-seconds} sets the others'. */
  Duration cycleLength(Duration requested) {
    return fixedCycleLength.orElse(requested);
  }

  public String cliName() {
    return cliName;
  }

  static SoakProfile named(String name) {
    return Arrays.stream(values()).filter(p -> p.cliName.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown profile " + name + " (one of "
            + Arrays.stream(values()).map(p -> p.cliName).collect(Collectors.joining(", "))
            + ")"));
  }

  private static Duration millis(Random random, int from, int to) {
    return Duration.ofMillis(from + random.nextInt(to - from + 1));
  }

  /** A weighted choice of writes. */
  private static final class Mix {
    private final Write[] writes = new Write[100];
    private int size;

    Mix add(Write write, int weight) {
      for (int i = 0; i < weight; i++) {
        writes[size++] = write;
      }
      return this;
    }

    Write pick(Random random) {
      return writes[random.nextInt(size)];
    }
  }
}
