package io.workmate.bench.soak;

import io.workmate.bench.soak.SoakProfile.Write;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The crash soak of issue 12: many cycles on ONE data dir of start {@code bin/workmate serve},
 * acknowledged writes with idle gaps, SIGKILL, restart, check. One data dir, because the bug it
 * hunts (H2 2.5.x reachable-chunk loss) only shows once the journal file is older than H2's
 * 45 s retention time and its free space gets reused. {@code scripts/soak} runs it; the ITs
 * run it with fixed profiles.
 */
public final class CrashSoak {

  /** The totals of a run. */
  public record Result(long seed, int cycles, Map<Write, Integer> acknowledged,
      List<String> losses, List<String> inconsistencies, Duration duration, Path data) {
    public int acknowledgedTotal() {
      return acknowledged.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private final SoakOptions options;
  private final PrintStream out;

  public CrashSoak(SoakOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws IOException {
    Path home = Path.of(System.getProperty("workmate.home", "."));
    SoakOptions options;
    try {
      options = SoakOptions.parse(args, home);
    } catch (SoakOptions.HelpRequested help) {
      System.out.print(SoakOptions.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("soak: " + e.getMessage());
      System.err.print(SoakOptions.USAGE);
      System.exit(2);
      return;
    }
    Result result;
    try {
      result = new CrashSoak(options, System.out).run();
    } catch (IllegalStateException e) {
      System.err.println("soak: " + e.getMessage());
      System.exit(3);
      return;
    }
    System.exit(result.losses().isEmpty() && result.inconsistencies().isEmpty() ? 0 : 1);
  }

  public Result run() throws IOException {
    Path data = options.data().orElse(Files.createTempDirectory("workmate-soak-"));
    Files.createDirectories(data);
    // one folder per run: several runs may share a data dir (the reproductions test does)
    Path logs = data.resolve("soak-logs").resolve(options.profile().cliName() + "-seed"
        + options.seed() + "-" + System.currentTimeMillis());
    Duration length = options.profile().cycleLength(options.cycleLength());
    Random random = new Random(options.seed());
    out.printf("soak: seed %d, profile %s, %d cycles of %d s, data %s, journal %s%n",
        options.seed(), options.profile().cliName(), options.cycles(), length.toSeconds(), data,
        ServeProcess.h2Jar(options.home()));
    Acknowledged acked = new Acknowledged();
    // a loss stays lost: each cycle's check finds it again, it is counted once
    Set<String> losses = new LinkedHashSet<>();
    Set<String> inconsistencies = new LinkedHashSet<>();
    long started = System.nanoTime();
    ServeProcess serve = ServeProcess.start(options.home(), data, logs.resolve("serve-1.err"));
    // whatever ends the run (a failed start, a timeout's interrupt), no service is left running
    try {
      for (int cycle = 1; cycle <= options.cycles(); cycle++) {
        List<String> seenWhileWriting = new ArrayList<>();
        WriteLoad load = new WriteLoad(serve.api(), random, acked, cycle, options.seed(),
            seenWhileWriting);
        KillCycle.Outcome outcome = new KillCycle(serve, load, options.profile(), random, acked,
            cycle)
            .run(length);
        long restartStart = System.nanoTime();
        serve = ServeProcess.start(options.home(), data,
            logs.resolve("serve-" + (cycle + 1) + ".err"));
        Duration restart = Duration.ofNanos(System.nanoTime() - restartStart);
        Verifier.Findings found = new Verifier(serve.api(), acked, outcome.killedAt()).check();
        List<String> newLosses = fresh(losses, seenWhileWriting, found.losses());
        List<String> newInconsistencies = fresh(inconsistencies, found.inconsistencies());
        out.printf("cycle %d/%d: %d writes acked, killed %s, ready again in %.1f s; checked %d "
                + "jobs, %d memory entries, %d agents: %d lost, %d inconsistent%s%n", cycle,
            options.cycles(), outcome.writes(), outcome.plan(), restart.toMillis() / 1000.0,
            found.jobs(), found.memoryEntries(), found.agents(), newLosses.size(),
            newInconsistencies.size(), outcome.unexpected().isEmpty() ? ""
                : "; " + outcome.unexpected().size() + " unexpected answers: "
                    + outcome.unexpected());
        printEach("LOST", newLosses);
        printEach("INCONSISTENT", newInconsistencies);
        out.flush();
      }
    } finally {
      serve.close();
    }
    Result result = new Result(options.seed(), options.cycles(), acked.counts(),
        List.copyOf(losses), List.copyOf(inconsistencies),
        Duration.ofNanos(System.nanoTime() - started), data);
    printTotals(result);
    return result;
  }

  /** Adds the findings to {@code all}; answers those not found before. */
  @SafeVarargs
  private static List<String> fresh(Set<String> all, List<String>... found) {
    List<String> fresh = new ArrayList<>();
    for (List<String> list : found) {
      list.stream().filter(all::add).forEach(fresh::add);
    }
    return fresh;
  }

  private void printEach(String label, List<String> problems) {
    problems.forEach(problem -> out.println("  " + label + ": " + problem));
  }

  private void printTotals(Result result) {
    out.printf("soak done: seed %d, %d cycles in %d s; %d writes acknowledged (%s); "
            + "%d lost, %d inconsistent; data %s%n", result.seed(), result.cycles(),
        result.duration().toSeconds(), result.acknowledgedTotal(),
        result.acknowledged().entrySet().stream()
            .map(e -> KillCycle.describe(e.getKey()) + " " + e.getValue())
            .collect(Collectors.joining(", ")),
        result.losses().size(), result.inconsistencies().size(), result.data());
    out.println(Instant.now() + (result.losses().isEmpty() ? " no acknowledged write was lost"
        : " LOST ACKNOWLEDGED WRITES: " + result.losses().size()));
  }
}
