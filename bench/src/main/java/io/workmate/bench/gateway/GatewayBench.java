package io.workmate.bench.gateway;

import io.workmate.bench.common.Machine;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.gateway.testkit.OpenClawInstall;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenClaw gateway link, measured against one real gateway (Node 24 + openclaw from {@code
 * .tools/}, started by the test fixture): how fast the runtime supervisor fails over to offline
 * when the link dies (proxy cuts, then real SIGKILLs with restarts), and what a {@code health}
 * round trip through the {@code GatewayConnection} actor costs next to a raw WebSocket client.
 * The table goes to stdout, progress to stderr.
 *
 * <p>Exit codes: 0 every phase ran (the goal may still be missed; the table says so), 1 a phase
 * could not finish, 2 bad options or no gateway (run {@code scripts/setup}).
 */
public final class GatewayBench {

  private static final PrintStream progress = System.err;

  private final OpenClawGateway gateway;
  private final GatewayBenchOptions options;
  /** Taken before any kill: later restarts overwrite the fixture's figure. */
  private final Duration firstStartup;

  private GatewayBench(OpenClawGateway gateway, GatewayBenchOptions options) {
    this.gateway = gateway;
    this.options = options;
    this.firstStartup = gateway.lastStartupTime();
  }

  public static void main(String[] args) {
    GatewayBenchOptions options;
    try {
      if (List.of(args).contains("--help")) {
        System.out.println(GatewayBenchOptions.USAGE);
        return;
      }
      options = GatewayBenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("gateway-bench: " + e.getMessage() + "\n" + GatewayBenchOptions.USAGE);
      System.exit(2);
      return;
    }
    useBenchLogging();
    if (!fixtureOnClasspath()) {
      System.exit(2);
      return;
    }
    defaultHomeToWorkingDirectory();
    OpenClawGateway gateway = startGateway();
    if (gateway == null) {
      System.exit(2);
      return;
    }
    int exit;
    try (gateway) {
      exit = new GatewayBench(gateway, options).run();
    } catch (Exception | AssertionError failed) {
      System.err.println("gateway-bench: failed: " + failed);
      failed.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  private int run() throws Exception {
    // cuts first and kills last: a kill restarts the gateway, and the round trips should meet
    // a gateway that has been up for a while
    List<FailoverResult> failovers = new ArrayList<>();
    Map<String, MachineLoad.Reading> machineBefore = new LinkedHashMap<>();
    if (options.cuts() > 0) {
      machineBefore.put("proxy cuts", awaitQuietMachine("proxy cuts"));
      try (ProxyCut cut = new ProxyCut(gateway)) {
        failovers.add(new FailoverRounds(cut, gateway.token(), options.cuts(), progress).run());
      }
    }
    Optional<RttResult> rtt = Optional.empty();
    boolean rttFailed = false;
    if (options.calls() > 0) {
      machineBefore.put("health round trips", awaitQuietMachine("health round trips"));
      try {
        rtt = Optional.of(new RoundTripComparison(gateway, options, progress).run());
      } catch (Exception failed) {
        // the failover figures are still worth printing
        progress.println("gateway-bench: the health round trips failed: " + failed);
        rttFailed = true;
      }
    }
    if (options.kills() > 0) {
      machineBefore.put("gateway kills", awaitQuietMachine("gateway kills"));
      failovers.add(new FailoverRounds(new GatewayKill(gateway), gateway.token(),
          options.kills(), progress).run());
    }

    GatewayReport report = new GatewayReport(machineBefore, failovers, rtt);
    System.out.printf("Gateway bench: %s%n", Machine.describe());
    System.out.printf("OpenClaw %s on 127.0.0.1 (scripted model provider), first start-up"
            + " %.1f s%n", rtt.map(RttResult::serverVersion).orElse("(version not read)"),
        firstStartup.toMillis() / 1000.0);
    report.print(System.out);
    if (!failovers.isEmpty()) {
      System.out.println();
      System.out.println(report.failoverGoalMet() ? "Failover goal met."
          : "Failover goal missed (see MISS).");
    }
    return !rttFailed && failovers.stream().allMatch(FailoverResult::complete) ? 0 : 1;
  }

  private MachineLoad.Reading awaitQuietMachine(String phase) {
    progress.printf("gateway-bench: %s: waiting up to %d s for quiet CPUs%n", phase,
        options.idleWait().toSeconds());
    MachineLoad.Reading reading = MachineLoad.awaitQuiet(options.idleWait());
    progress.printf("gateway-bench: %s: %s%n", phase, reading.describe());
    return reading;
  }

  /** A clear message instead of a stack trace when the tools are missing or the start fails. */
  private static OpenClawGateway startGateway() {
    progress.println("gateway-bench: starting the OpenClaw gateway (15-60 s on two cores)");
    try {
      OpenClawGateway gateway = OpenClawGateway.builder().start();
      progress.printf("gateway-bench: gateway ready on %s after %.1f s%n", gateway.url(),
          gateway.lastStartupTime().toMillis() / 1000.0);
      return gateway;
    } catch (AssertionError | RuntimeException cannotStart) {
      System.err.println("gateway-bench: cannot start the OpenClaw gateway. Node 24 and openclaw"
          + " come from .tools/; run scripts/setup first.\n" + cannotStart.getMessage());
      return null;
    }
  }

  /**
   * The actors test-jar (the gateway fixture) brings logback-test.xml, which logback prefers to
   * bench's logback.xml and which logs io.workmate at INFO to stdout, into the table. Must run
   * before the first logger exists.
   */
  private static void useBenchLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback.xml");
    }
  }

  private static boolean fixtureOnClasspath() {
    try {
      Class.forName("io.workmate.gateway.testkit.OpenClawGateway", false,
          GatewayBench.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException missing) {
      System.err.println("gateway-bench: the OpenClaw gateway fixture is not on the classpath;"
          + " add actors/target/workmate-actors-<version>-tests.jar (mvn package builds it)");
      return false;
    }
  }

  /** The fixture finds .tools/ under workmate.home; the repository root is the usual cwd. */
  private static void defaultHomeToWorkingDirectory() {
    if (System.getProperty(OpenClawInstall.HOME_PROPERTY) == null) {
      Path cwd = Path.of("").toAbsolutePath();
      progress.println("gateway-bench: -D" + OpenClawInstall.HOME_PROPERTY
          + " is not set; using the working directory " + cwd);
      System.setProperty(OpenClawInstall.HOME_PROPERTY, cwd.toString());
    }
  }
}
