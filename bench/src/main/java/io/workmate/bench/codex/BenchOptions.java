package io.workmate.bench.codex;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bench's command line.
 *
 * @param scenarios workloads as THREADSxTURNS; threads is also the number of turns in flight
 * @param dataDir where codex's HOME and the thread workspaces go (wiped first); empty = default
 */
record BenchOptions(int repeat, long delayMs, int chunks, List<Variant> variants,
    List<int[]> scenarios, int processes, boolean warmup, Duration sampleInterval,
    Duration idleWait, Optional<Path> dataDir) {

  static final String USAGE = String.join("\n",
      "usage: scripts/bench codex [options]",
      "  --repeat N          runs per variant and scenario; the table shows medians (default 1)",
      "  --delay-ms MS       scripted pause between SSE events (default 50)",
      "  --chunks N          text deltas per reply; a reply is N+4 events (default 4)",
      "  --variants a,b,c    a = Workmate, b = direct JSON-RPC floor, c = @openai/codex-sdk",
      "  --scenarios LIST    THREADSxTURNS, comma-separated (default 16x4,64x1)",
      "  --processes N       app-server processes in Workmate's pool (default 1, like the floor)",
      "  --sample-ms MS      PSS sampling period (default 100)",
      "  --no-warmup         skip the unmeasured warm-up run of each variant",
      "  --idle-wait S       before each run wait up to S seconds for the CPUs to be idle"
          + " (default 60; 0 = don't)",
      "  --data-dir DIR      scratch dir, wiped first (default bench/target/codex-turns)");

  static BenchOptions parse(String[] args) {
    int repeat = 1;
    long delayMs = 50;
    int chunks = 4;
    List<Variant> variants = List.of(Variant.WORKMATE, Variant.DIRECT, Variant.SDK);
    List<int[]> scenarios = List.of(new int[] {16, 4}, new int[] {64, 1});
    int processes = 1;
    boolean warmup = true;
    long sampleMs = 100;
    long idleWaitSeconds = 60;
    Optional<Path> dataDir = Optional.empty();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      switch (name) {
        case "--repeat" -> repeat = positive(name, value(args, ++i, name));
        case "--delay-ms" -> delayMs = Long.parseLong(value(args, ++i, name));
        case "--chunks" -> chunks = positive(name, value(args, ++i, name));
        case "--variants" -> variants = variants(value(args, ++i, name));
        case "--scenarios" -> scenarios = scenarios(value(args, ++i, name));
        case "--processes" -> processes = positive(name, value(args, ++i, name));
        case "--sample-ms" -> sampleMs = positive(name, value(args, ++i, name));
        case "--no-warmup" -> warmup = false;
        case "--idle-wait" -> idleWaitSeconds = Long.parseLong(value(args, ++i, name));
        case "--data-dir" -> dataDir = Optional.of(Path.of(value(args, ++i, name)));
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    return new BenchOptions(repeat, delayMs, chunks, variants, scenarios, processes, warmup,
        Duration.ofMillis(sampleMs), Duration.ofSeconds(idleWaitSeconds), dataDir);
  }

  String promptTemplate() {
    return Workload.scriptedTextPrompt(delayMs, chunks);
  }

  List<Workload> workloads() {
    return scenarios.stream().map(s -> new Workload(s[0], s[1], promptTemplate())).toList();
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[index];
  }

  private static int positive(String name, String value) {
    int number = Integer.parseInt(value);
    if (number < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
    return number;
  }

  private static List<Variant> variants(String list) {
    List<Variant> variants = new ArrayList<>();
    for (String letter : list.split(",")) {
      variants.add(Variant.byLetter(letter));
    }
    return List.copyOf(variants);
  }

  private static List<int[]> scenarios(String list) {
    List<int[]> scenarios = new ArrayList<>();
    for (String item : list.split(",")) {
      String[] parts = item.strip().split("x");
      if (parts.length != 2) {
        throw new IllegalArgumentException("scenario '" + item + "' is not THREADSxTURNS");
      }
      scenarios.add(new int[] {positive("threads", parts[0]), positive("turns", parts[1])});
    }
    return List.copyOf(scenarios);
  }
}
