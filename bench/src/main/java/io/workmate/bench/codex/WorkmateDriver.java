package io.workmate.bench.codex;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexEnvironment;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.config.CodexBinary;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/**
 * Variant (a): the workload through Workmate's runtime, a {@code CodexPool} of app-server
 * processes driven by {@code CodexThread} actors. Run as its own JVM by {@link CodexTurnsBench},
 * which measures the whole process tree.
 */
public final class WorkmateDriver {

  private static final long TIMEOUT_MINUTES = 10;

  private WorkmateDriver() {}

  public static void main(String[] argv) throws Exception {
    // initialise logging on this thread first; otherwise Pekko's threads race logback's start-up
    // and SLF4J prints a "calls intercepted and replayed" warning into the bench's output
    LoggerFactory.getILoggerFactory();
    DriverArgs args = DriverArgs.parse(argv);
    // the bench already wrote and verified config.toml there; this only rebuilds the variables
    CodexEnvironment environment = CodexEnvironment.prepare(args.codexDir(), System.getenv(),
        BenchGateway.secrets());
    AppServerSettings appServer = AppServerSettings.defaults(args.binary(), environment);
    // the same policy and sandbox as the other variants: no approvals, no bubblewrap
    ThreadSettings threads = ThreadSettings.defaults(args.workDir())
        .withApprovalPolicy(ApprovalPolicy.NEVER)
        .withSandbox(SandboxMode.DANGER_FULL_ACCESS);

    long started = System.nanoTime();
    ActorSystem<WorkmateWorkload.Run> system = ActorSystem.create(
        WorkmateWorkload.create(appServer, args.processes(), threads), "workmate-bench",
        quietConfig());
    DriverReport report;
    try {
      WorkmateWorkload.Totals warmUp = run(system, args.workload().warmUp());
      if (!warmUp.failures().isEmpty()) {
        throw new IllegalStateException("warm-up turn failed: " + warmUp.failures());
      }
      long ready = System.nanoTime();
      DriverMarks.ready();
      WorkmateWorkload.Totals totals = run(system, args.workload());
      long end = System.nanoTime();
      DriverMarks.done();
      report = new DriverReport(millis(ready - started), millis(end - ready),
          totals.completed(), totals.failures().size(),
          totals.failures().stream().limit(5).toList());
    } finally {
      // stopping the system stops the pool, which closes every app-server and waits for it, so
      // the bench's count of reaped children's CPU includes them
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
    report.print();
  }

  private static WorkmateWorkload.Totals run(ActorSystem<WorkmateWorkload.Run> system,
      Workload workload) throws Exception {
    CompletableFuture<WorkmateWorkload.Totals> done = new CompletableFuture<>();
    system.tell(new WorkmateWorkload.Run(workload, done));
    return done.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /**
   * Pekko as the service runs it (its dispatchers: one thread per core, the blocking one), with
   * logging quieter. Pekko's own default of at least 8 threads cost this driver a fifth more CPU.
   */
  private static Config quietConfig() {
    Path servicePekko = Path.of(System.getProperty(CodexBinary.HOME_PROPERTY, "."),
        "server/src/main/resources/workmate/pekko.conf");
    if (!Files.isRegularFile(servicePekko)) {
      throw new IllegalStateException("the service's Pekko settings are missing: " + servicePekko
          + " (run the bench through scripts/bench, which passes -D"
          + CodexBinary.HOME_PROPERTY + ")");
    }
    return ConfigFactory.parseString(String.join("\n",
        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
        "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
        "pekko.loglevel = WARNING",
        "pekko.stdout-loglevel = WARNING",
        "pekko.log-dead-letters = off"))
        .withFallback(ConfigFactory.parseFile(servicePekko.toFile()))
        .withFallback(ConfigFactory.load());
  }
}
