package io.workmate.bench.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What one soak run does. {@code cycleLength} is the time of writes per cycle, before the kill
 * plan runs; the restart and the check come on top. A fixed profile may override some of these
 * (the reproductions have a set length and kill timing).
 */
public record SoakOptions(int cycles, Duration cycleLength, long seed, Optional<Path> data,
    SoakProfile profile, Path home) {

  static final String USAGE = """
      usage: scripts/soak [--cycles N] [--cycle-seconds S] [--seed N] [--data DIR]
                          [--profile mixed|jobs-every-3s|mixed-minute]

      Crash soak of the embedded journal: per cycle, starts bin/workmate serve on ONE data dir,
      sends acknowledged writes over HTTP with random idle gaps, kills the JVM with SIGKILL,
      starts it again on the same data dir and checks that every acknowledged write is there
      and every job's history is consistent. Prints its seed (--seed replays the plan), a line
      per cycle and the totals; exits 1 on any loss or inconsistency.

        --cycles N          kill/restart cycles (default 10)
        --cycle-seconds S   seconds of writes per cycle before the kill (default 60)
        --seed N            the random seed (default: from the clock, printed)
        --data DIR          the data dir (default: a new temp dir, kept for inspection)
        --profile P         mixed          every kind of write, gaps of 0.2-4 s (sometimes
                                           longer), kills biased to land after idle time
                            jobs-every-3s  issue 12, reproduction 1: an echo job every 3 s,
                                           the kill 2.5 s after the last acknowledged submit
                            mixed-minute   issue 12, reproduction 3: jobs, memory notes and
                                           agent registrations 0.5-3 s apart, a few idle
                                           seconds, then the kill
      """;

  /** Parses the command line; throws {@link IllegalArgumentException} with the reason. */
  public static SoakOptions parse(String[] args, Path home) {
    int cycles = 10;
    Duration cycleLength = Duration.ofSeconds(60);
    long seed = System.nanoTime() ^ System.currentTimeMillis();
    Optional<Path> data = Optional.empty();
    SoakProfile profile = SoakProfile.MIXED;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new HelpRequested();
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--cycles" -> cycles = positive(flag, value);
        case "--cycle-seconds" -> cycleLength = Duration.ofSeconds(positive(flag, value));
        case "--seed" -> seed = parseLong(flag, value);
        case "--data" -> data = Optional.of(Path.of(value).toAbsolutePath());
        case "--profile" -> profile = SoakProfile.named(value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    return new SoakOptions(cycles, cycleLength, seed, data, profile, home);
  }

  private static int positive(String flag, String value) {
    long parsed = parseLong(flag, value);
    if (parsed < 1 || parsed > 100_000) {
      throw new IllegalArgumentException(flag + " must be 1..100000, not " + value);
    }
    return (int) parsed;
  }

  private static long parseLong(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a number, not " + value);
    }
  }

  /** {@code --help}: the caller prints {@link #USAGE}. */
  static final class HelpRequested extends RuntimeException {
    HelpRequested() {
      super("help", null, false, false);
    }
  }
}
