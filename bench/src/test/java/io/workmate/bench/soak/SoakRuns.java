package io.workmate.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Runs the soak program in the test JVM and asserts on its totals. */
final class SoakRuns {

  private static final Path HOME = Path.of(System.getProperty("workmate.home", "."));

  private SoakRuns() {}

  /** A fixed seed per test unless {@code -Dsoak.seed} replays another run. */
  static CrashSoak.Result run(SoakProfile profile, int cycles, Duration cycleLength,
      long defaultSeed, Path data) throws Exception {
    assertTrue(Files.isExecutable(HOME.resolve("bin/workmate"))
            && Files.isDirectory(HOME.resolve("server/target/lib")),
        "bin/workmate is not built under " + HOME + ": run scripts/setup first");
    long seed = Long.getLong("soak.seed", defaultSeed);
    SoakOptions options = new SoakOptions(cycles, cycleLength, seed, Optional.of(data), profile,
        HOME);
    return new CrashSoak(options, System.out).run();
  }

  /** Nothing acknowledged may be lost, nothing may be inconsistent, and the run did its work. */
  static void assertClean(CrashSoak.Result result, int cycles, int leastWrites) {
    assertEquals(cycles, result.cycles(), "cycles run");
    assertTrue(result.acknowledgedTotal() >= leastWrites, "only " + result.acknowledgedTotal()
        + " writes were acknowledged (want at least " + leastWrites + "): "
        + result.acknowledged());
    assertEquals(0, result.losses().size(), "acknowledged writes lost (seed " + result.seed()
        + ", data " + result.data() + "):\n" + String.join("\n", result.losses()));
    assertEquals(0, result.inconsistencies().size(), "inconsistencies (seed " + result.seed()
        + "):\n" + String.join("\n", result.inconsistencies()));
  }
}
