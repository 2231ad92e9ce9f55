package io.workmate.bench.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproductions of issue 12 as tests: both lost acknowledged writes on H2 2.5.252 (run with
 * {@code -Dh2.version=2.5.252} to see them fail). The journal file must be older than H2's 45 s
 * retention time, with idle time before the kill.
 */
class JournalReproductionsIT {

  @TempDir Path tmp;

  /** Reproduction 1: an echo job every 3 s for 70 s, kill -9 2.5 s after the last 202. */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void jobsEveryThreeSecondsThenAKillAfterIdleTime() throws Exception {
    CrashSoak.Result result = SoakRuns.run(SoakProfile.JOBS_EVERY_3S, 1, Duration.ZERO, 1L,
        tmp.resolve("data"));
    SoakRuns.assertClean(result, 1, 20);
  }

  /** Reproduction 3: a minute of jobs, memory notes and registrations, idle, kill -9. */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aMinuteOfMixedWritesThenAKillAfterIdleTime() throws Exception {
    CrashSoak.Result result = SoakRuns.run(SoakProfile.MIXED_MINUTE, 1, Duration.ZERO, 3L,
        tmp.resolve("data"));
    SoakRuns.assertClean(result, 1, 20);
  }
}
