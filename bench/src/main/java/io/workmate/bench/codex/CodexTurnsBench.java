package io.workmate.bench.codex;

import io.workmate.codex.CodexSetup;
import io.workmate.codex.config.CodexBinary;
import io.workmate.codex.config.CodexConfig;
import io.workmate.codex.config.CodexNotFoundException;
import io.workmate.codex.config.ModelProvider;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.protocol.responses.ScriptedProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Codex turns through Workmate vs the floor vs {@code @openai/codex-sdk}: the same codex binary,
 * the same config.toml and HOME, the same scripted provider (running here, outside every
 * measured tree), the same prompts. Each variant runs as a child process whose whole tree is
 * measured by {@link TreeMonitor}; the table goes to stdout, progress to stderr.
 *
 * <p>Run with {@code scripts/bench codex}. Exit codes: 0 all turns ran (goals may still be
 * missed, the table says so), 1 a variant failed, 2 bad setup (no codex, no SDK, bad option).
 */
public final class CodexTurnsBench {

  private static final PrintStream progress = System.err;

  private final BenchOptions options;
  private final Path home;

  private CodexTurnsBench(BenchOptions options, Path home) {
    this.options = options;
    this.home = home;
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options;
    try {
      if (List.of(args).contains("--help")) {
        System.out.println(BenchOptions.USAGE);
        return;
      }
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage() + "\n" + BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    String home = System.getProperty(CodexBinary.HOME_PROPERTY);
    if (home == null) {
      System.err.println("bench: system property workmate.home is not set; use scripts/bench");
      System.exit(2);
    }
    System.exit(new CodexTurnsBench(options, Path.of(home).toAbsolutePath()).run());
  }

  private int run() throws Exception {
    Path binary;
    try {
      binary = CodexBinary.locate(Optional.empty(), Optional.of(home), System.getenv("PATH"));
    } catch (CodexNotFoundException e) {
      System.err.println("bench: no codex binary (scripts/setup installs it)\n" + e.getMessage());
      return 2;
    }
    Optional<SdkInstall> sdk = SdkInstall.find(home);
    if (options.variants().contains(Variant.SDK) && sdk.isEmpty()) {
      System.err.println("bench: @openai/codex-sdk is not installed under " + home.resolve(
          SdkInstall.PREFIX) + " (scripts/bench installs it with npm); cannot run variant (c)."
          + " Use --variants a,b to run without it.");
      return 2;
    }
    Path dataDir = options.dataDir().orElse(home.resolve("bench/target/codex-turns"));
    wipe(dataDir);

    try (ScriptedProvider provider = ScriptedProvider.start()) {
      CodexSetup setup = prepareCodex(binary, provider, dataDir.resolve("codex"));
      VariantCommands commands =
          new VariantCommands(sdk, setup.environment().variables());
      Map<Variant, String> descriptions = describe(sdk);
      printHeader(binary, sdk, descriptions);
      Runner runner = new Runner(new TreeMonitor(options.sampleInterval()), commands, binary,
          setup, dataDir, options.processes());
      boolean allRan = !options.warmup() || warmUp(runner);
      ResultTable table = new ResultTable(descriptions);
      int measuredRuns = 0;
      int busyStarts = 0;
      for (Workload workload : options.workloads()) {
        for (int round = 0; round < options.repeat(); round++) {
          for (Variant variant : rotated(options.variants(), round)) {
            measuredRuns++;
            busyStarts += waitForIdleMachine() ? 0 : 1;
            Measurement m = runner.run(variant, workload, workload.label() + "-" + (round + 1));
            table.add(workload, variant, m);
            allRan &= report(variant, workload, round, m);
          }
        }
      }
      table.print(System.out);
      System.out.println();
      if (busyStarts > 0) {
        System.out.printf("Note: %d of %d runs started while other processes kept the CPUs"
            + " busy (waited %d s each); their figures are less reliable.%n", busyStarts,
            measuredRuns, options.idleWait().toSeconds());
      }
      System.out.println(table.allGoalsMet() ? "All goals met." : "Some goals missed (see MISS).");
      return allRan ? 0 : 1;
    }
  }

  /** Launches one variant's driver on a workload, in its own work dir, and measures it. */
  private record Runner(TreeMonitor monitor, VariantCommands commands, Path binary,
      CodexSetup setup, Path dataDir, int processes) {

    Measurement run(Variant variant, Workload workload, String runName)
        throws IOException, InterruptedException {
      Path workDir = dataDir.resolve("work").resolve(runName).resolve(variant.letter);
      Files.createDirectories(workDir);
      Path codexDir = setup.environment().home().getParent();
      // the pool size only matters to Workmate; the floor always drives exactly one app-server
      DriverArgs args = new DriverArgs(binary, codexDir, workDir, workload, processes);
      return monitor.run(commands.command(variant, args), commands.environment(variant),
          workDir);
    }
  }

  private CodexSetup prepareCodex(Path binary, ScriptedProvider provider, Path codexDir) {
    ModelProvider gateway = new ModelProvider("workmate", "Workmate AI gateway",
        URI.create(provider.baseUrl()), BenchGateway.KEY_VARIABLE);
    CodexConfig config = CodexConfig.builder(gateway)
        .approvalPolicy(ApprovalPolicy.NEVER)
        .sandbox(SandboxMode.DANGER_FULL_ACCESS)
        .streamIdleTimeout(Duration.ofSeconds(120))
        .build();
    return CodexSetup.prepare(binary, codexDir, config, System.getenv(), BenchGateway.secrets());
  }

  /**
   * One small unmeasured run of each variant first, so no variant pays for cold page caches
   * (the 294 MB codex binary, the JDK, Node) or codex's first-use setup of CODEX_HOME.
   */
  private boolean warmUp(Runner runner) throws IOException, InterruptedException {
    Workload small = new Workload(2, 1, options.promptTemplate());
    boolean ok = true;
    for (Variant variant : options.variants()) {
      progress.printf("warm-up (%s) %s ...%n", variant.letter, variant.title);
      Measurement m = runner.run(variant, small, "warmup");
      if (!m.succeeded(small)) {
        progress.printf("  warm-up of (%s) failed: %s%n", variant.letter, m.problem(small));
        ok = false;
      }
    }
    return ok;
  }

  /** True when the CPUs went idle (or waiting is off); else says so on the progress stream. */
  private boolean waitForIdleMachine() throws InterruptedException {
    if (options.idleWait().isZero()) {
      return true;
    }
    double busy = IdleWait.await(options.idleWait());
    if (IdleWait.isQuiet(busy)) {
      return true;
    }
    progress.printf("  (other processes still use %.0f%% of the CPUs after waiting %d s;"
        + " measuring anyway)%n", busy * 100, options.idleWait().toSeconds());
    return false;
  }

  private static boolean report(Variant variant, Workload workload, int round, Measurement m) {
    if (m.succeeded(workload)) {
      progress.printf("%s run %d (%s): wall %.2f s, CPU %.2f s (driver %.2f), peak PSS %.0f MB"
          + " (driver %.0f), start %.2f s, life CPU %.2f s, process %.2f s, sampler CPU %.2f s%n",
          workload.label(), round + 1, variant.letter, m.wallSeconds(), m.windowCpuSeconds(),
          m.windowDriverCpuSeconds(), m.peakPssBytes() / 1048576.0,
          m.driverPssAtPeakBytes() / 1048576.0, m.startupSeconds(), m.processCpuSeconds(),
          m.processMillis() / 1000.0, m.samplerCpuSeconds());
      progress.printf("  at the peak: %s%n", m.peakShares());
      return true;
    }
    progress.printf("%s run %d (%s) FAILED: %s%n", workload.label(), round + 1, variant.letter,
        m.problem(workload));
    return false;
  }

  /** A different variant goes first in each round, so drift on a shared machine spreads out. */
  private static List<Variant> rotated(List<Variant> variants, int round) {
    List<Variant> order = new ArrayList<>(variants);
    Collections.rotate(order, -round);
    return order;
  }

  private Map<Variant, String> describe(Optional<SdkInstall> sdk) {
    Map<Variant, String> descriptions = new EnumMap<>(Variant.class);
    descriptions.put(Variant.WORKMATE, "Workmate, CodexPool of " + options.processes()
        + " app-server" + (options.processes() == 1 ? "" : "s"));
    descriptions.put(Variant.DIRECT, "direct JSON-RPC, 1 app-server (floor)");
    descriptions.put(Variant.SDK, "@openai/codex-sdk " + sdk.map(SdkInstall::version)
        .orElse("?") + ", codex exec per turn");
    return descriptions;
  }

  private void printHeader(Path binary, Optional<SdkInstall> sdk,
      Map<Variant, String> descriptions) {
    PrintStream out = System.out;
    out.println("Codex turns bench");
    out.println("  codex:    " + CodexBinary.version(binary) + " (" + binary + ")");
    sdk.ifPresent(s -> out.println("  sdk:      @openai/codex-sdk " + s.version() + ", node "
        + nodeVersion()));
    out.println("  java:     " + System.getProperty("java.version") + ", drivers run with "
        + System.getenv().getOrDefault("WORKMATE_JAVA_OPTS", VariantCommands.DEFAULT_JAVA_OPTS));
    out.println("  machine:  " + ProcStats.machine());
    out.printf("  model:    scripted provider on 127.0.0.1, prompt %s%n", options.promptTemplate());
    out.printf("            = %d SSE events per reply, %d ms apart; approval never,"
        + " sandbox danger-full-access%n", options.chunks() + 4, options.delayMs());
    out.println("  measured: each variant is a child process; every driver first starts its"
        + " runtime and runs 1 warm-up turn ('start s'),");
    out.println("            then runs the workload: 'wall s' and 'CPU s' (user+sys of the whole"
        + " process tree) cover only that,");
    out.println("            'driver CPU' is the JVM's or Node's own part of it;");
    out.println("            'peak PSS MB' = max of the tree's summed PSS, sampled every "
        + options.sampleInterval().toMillis() + " ms over the driver's life (JVM/Node"
        + " included),");
    out.println("            'driver MB' the JVM's or Node's own PSS in that sample;"
        + " progress lines (stderr) add each run's CPU from launch to exit");
    out.println("  runs:     " + options.repeat() + " per variant and workload"
        + (options.repeat() > 1 ? " (medians)" : "") + ", variants " + descriptions.keySet()
            .stream().filter(options.variants()::contains).map(v -> v.letter).toList());
  }

  private static String nodeVersion() {
    try {
      Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String version = new String(node.getInputStream().readAllBytes()).strip();
      node.waitFor();
      return version;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static void wipe(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    Files.createDirectories(dir);
  }
}
