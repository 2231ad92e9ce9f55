package io.workmate.bench.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * systemd's watchdog under load: a bound notify socket, {@code serve} with
 * {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC}, {@code READY=1}; then windows of the same
 * length, recording every {@code WATCHDOG=1}: idle (the in-run baseline), the jobs bench's load
 * (echo agent) at its full rate, and that load with Codex turns mixed in.
 */
final class WatchdogRun {

  /** What a load window did to the queue: jobs accepted, and how far the service got. */
  record Queue(JobLoad.Result load, long finished, long queued, long running) {
    double finishedPerSecond() {
      return finished / (load.took().toNanos() / 1e9);
    }
  }

  /** One window: its pings, who used the CPUs, and its load if it had one. */
  record Window(String name, PingWindow pings, CpuMeter.Reading cpu, Optional<Queue> queue) {}

  /**
   * @param warnings the service's own log lines about missed pings (a probe of the supervisor
   *     or the dispatcher that timed out): they tell a late ping of the service from a late
   *     reading of the bench
   */
  record Result(Duration readyAfter, List<Window> windows, List<String> warnings) {}

  private final Path home;
  private final ServiceBenchOptions options;

  WatchdogRun(Path home, ServiceBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  Result run(Path dir) throws IOException, InterruptedException {
    try (NotifySocket notify = NotifySocket.bind(dir.resolve("notify.sock"))) {
      Map<String, String> env = Map.of(
          "NOTIFY_SOCKET", notify.address(),
          "WATCHDOG_USEC", Long.toString(options.watchdog().toNanos() / 1_000),
          "WORKMATE_JOBS_ECHO_AGENT", "on",
          "WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(options.codexConcurrent()));
      long launched = System.nanoTime();
      try (ServeProcess serve = ServeProcess.start(home, dir, "watchdog", dir.resolve("data"),
          env)) {
        long ready = notify.await("READY=1", ServeProcess.START_LIMIT).orElseThrow(() ->
            new IllegalStateException("no READY=1 on " + notify.address() + " within "
                + ServeProcess.START_LIMIT.toSeconds() + " s\n" + serve.stderrTail()));
        List<Window> windows = new ArrayList<>();
        windows.add(idle(serve, notify));
        long[] before = {0, 0}; // accepted and finished by the earlier windows
        windows.add(loaded("echo", 0, serve, notify, before));
        if (options.codexEvery() > 0) {
          windows.add(loaded("+codex", options.codexEvery(), serve, notify, before));
        }
        serve.stop(Duration.ofSeconds(60));
        return new Result(Duration.ofNanos(ready - launched), windows,
            serve.stderrLines("watchdog:"));
      }
    }
  }

  private Window idle(ServeProcess serve, NotifySocket notify) {
    long start = System.nanoTime();
    CpuMeter meter = CpuMeter.start(serve.pid());
    Pause.millis(options.window().toMillis()); // the window itself, not a wait for a condition
    CpuMeter.Reading cpu = meter.read();
    long end = System.nanoTime();
    return new Window("idle", pings(notify, start, end), cpu, Optional.empty());
  }

  private Window loaded(String name, int codexEvery, ServeProcess serve, NotifySocket notify,
      long[] before) throws InterruptedException {
    JobLoad load = new JobLoad(URI.create(serve.client().base()), options.connections(),
        codexEvery);
    CpuMeter meter = CpuMeter.start(serve.pid());
    long start = System.nanoTime();
    JobLoad.Result result = load.run(options.window());
    long end = System.nanoTime();
    CpuMeter.Reading cpu = meter.read();
    if (!serve.isAlive()) {
      throw new IllegalStateException("the service ended under load\n" + serve.stderrTail());
    }
    JsonNode status = serve.client().require200("/v1/status");
    long queued = status.path("queued").asLong();
    long running = status.path("running").asLong();
    // every job accepted so far that is neither queued nor running has finished
    long finished = before[0] + result.accepted() - queued - running - before[1];
    before[0] += result.accepted();
    before[1] += finished;
    return new Window(name, pings(notify, start, end), cpu,
        Optional.of(new Queue(result, finished, queued, running)));
  }

  private PingWindow pings(NotifySocket notify, long start, long end) {
    return PingWindow.of(notify.arrivals("WATCHDOG=1"), start, end, options.watchdog());
  }
}
