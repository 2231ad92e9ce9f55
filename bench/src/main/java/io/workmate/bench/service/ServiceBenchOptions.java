package io.workmate.bench.service;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The command line of {@code scripts/bench service}.
 *
 * @param runs drain runs, each on a fresh data dir; the summary takes medians
 * @param jobs running jobs at the signal, with turns of different lengths
 * @param longestTurn the longest scripted turn; the others are spread down to 40 % of it
 * @param watchdog WATCHDOG_USEC given to the service (it pings every half of it)
 * @param window length of each window (idle, loaded)
 * @param connections keep-alive connections of the load, each sending its next job as soon as
 *     the last was answered
 * @param codexEvery in the third window, one job in this many is a Codex turn, the rest go to
 *     the echo agent; 0 = no third window
 * @param codexConcurrent WORKMATE_JOBS_MAX_CONCURRENT during the load
 * @param baseDir where the runs' temporary dirs go
 */
record ServiceBenchOptions(int runs, int jobs, Duration longestTurn, boolean drain,
    Duration watchdog, Duration window, int connections, int codexEvery, int codexConcurrent,
    boolean watchdogPhase, Path baseDir, boolean keep) {

  static final String USAGE = String.join("\n",
      "usage: scripts/bench service [options]",
      "  Drain: SIGTERM with N jobs running -> exit, against the longest remaining turn",
      "  --runs N              drain runs, each on a fresh data dir (default 5)",
      "  --jobs N              jobs running at the signal (default 5)",
      "  --longest-turn-ms MS  the longest scripted turn; the others spread down to 40 %"
          + " of it (default 6000)",
      "  --no-drain            skip the drain runs",
      "  Watchdog: WATCHDOG=1 arrivals in windows: idle, the jobs bench's load (echo agent),"
          + " that load with Codex turns",
      "  --watchdog-ms MS      WATCHDOG_USEC given to the service, in ms (default 2000)",
      "  --seconds S           length of each window (default 20)",
      "  --connections N       keep-alive connections of the load (default 32)",
      "  --codex-every N       in the third window one job in N is a Codex turn; 0 = no third"
          + " window (default 20)",
      "  --codex-concurrent N  WORKMATE_JOBS_MAX_CONCURRENT under load (default 32)",
      "  --no-watchdog         skip the watchdog phase",
      "  --dir DIR             where the temporary data dirs go (default java.io.tmpdir)",
      "  --keep                keep the data dirs and the services' logs");

  static ServiceBenchOptions parse(String[] args) {
    int runs = 5;
    int jobs = 5;
    long longestMs = 6_000;
    boolean drain = true;
    long watchdogMs = 2_000;
    long seconds = 20;
    int connections = 32;
    int codexEvery = 20;
    int codexConcurrent = 32;
    boolean watchdogPhase = true;
    Path baseDir = Path.of(System.getProperty("java.io.tmpdir"));
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      switch (name) {
        case "--runs" -> runs = positive(name, value(args, ++i, name));
        case "--jobs" -> jobs = positive(name, value(args, ++i, name));
        case "--longest-turn-ms" -> longestMs = positive(name, value(args, ++i, name));
        case "--no-drain" -> drain = false;
        case "--watchdog-ms" -> watchdogMs = positive(name, value(args, ++i, name));
        case "--seconds" -> seconds = positive(name, value(args, ++i, name));
        case "--connections" -> connections = positive(name, value(args, ++i, name));
        case "--codex-every" -> codexEvery = atLeastZero(name, value(args, ++i, name));
        case "--codex-concurrent" -> codexConcurrent = positive(name, value(args, ++i, name));
        case "--no-watchdog" -> watchdogPhase = false;
        case "--dir" -> baseDir = Path.of(value(args, ++i, name));
        case "--keep" -> keep = true;
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    if (jobs < 2) {
      throw new IllegalArgumentException("--jobs needs at least 2 (turns of different lengths)");
    }
    // the scripted turn of the shortest job must still be a stream of several events
    if (longestMs < 1_000) {
      throw new IllegalArgumentException("--longest-turn-ms must be at least 1000");
    }
    if (watchdogMs < 200) {
      throw new IllegalArgumentException("--watchdog-ms must be at least 200");
    }
    return new ServiceBenchOptions(runs, jobs, Duration.ofMillis(longestMs), drain,
        Duration.ofMillis(watchdogMs), Duration.ofSeconds(seconds), connections, codexEvery,
        codexConcurrent, watchdogPhase, baseDir.toAbsolutePath(), keep);
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[index];
  }

  private static int positive(String name, String value) {
    int number = atLeastZero(name, value);
    if (number < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
    return number;
  }

  private static int atLeastZero(String name, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number < 0) {
        throw new IllegalArgumentException(name + " must not be negative, got " + value);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a whole number, not '" + value + "'");
    }
  }
}
