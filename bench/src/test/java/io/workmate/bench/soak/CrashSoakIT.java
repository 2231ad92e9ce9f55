package io.workmate.bench.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.bench.soak.SoakProfile.Write;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short crash soak: six SIGKILL cycles of about a minute on one data dir (the journal file
 * is minutes old by the end, past H2's 45 s retention time), every kind of write, most kills
 * after idle time. {@code scripts/soak} runs the long version.
 */
class CrashSoakIT {

  private static final int CYCLES = 6;

  @TempDir Path tmp;

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void sixKillCyclesOnOneDataDirLoseNothing() throws Exception {
    CrashSoak.Result result = SoakRuns.run(SoakProfile.MIXED, CYCLES, Duration.ofSeconds(50),
        12L, tmp.resolve("data"));
    SoakRuns.assertClean(result, CYCLES, 60);
    // the mix really mixed: jobs and memory and registrations were acknowledged
    for (Write kind : new Write[] {Write.ECHO_JOB, Write.MEMORY_APPEND, Write.AGENT_REGISTER}) {
      assertTrue(result.acknowledged().getOrDefault(kind, 0) > 0,
          "no " + kind + " acknowledged: " + result.acknowledged());
    }
  }
}
