package io.workmate.bench.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.bench.soak.ServiceApi;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One drain run on a fresh data dir: {@code serve}, a warm-up turn, N jobs whose scripted turns
 * last different lengths, SIGTERM once every one of them is streaming, the time to the process's
 * exit; then {@code serve} again on the same data dir to read what the journal says about the
 * jobs (status, attempts, when each turn's thread was attached and when it succeeded).
 */
final class DrainRun {

  /** Longer than any turn here, so the drain never interrupts one: the figure is the finish. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration TURNS_START_LIMIT = Duration.ofSeconds(60);
  private static final Set<String> FINAL = Set.of("succeeded", "failed", "dead", "cancelled");

  private final Path home;
  private final ServiceBenchOptions options;

  DrainRun(Path home, ServiceBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  DrainResult run(int number, Path dir) throws IOException {
    Path data = dir.resolve("data");
    // every job gets an attempt at once; the drain timeout is set, not inherited
    Map<String, String> env = Map.of(
        "WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(options.jobs() + 1),
        "WORKMATE_SERVICE_DRAIN_TIMEOUT", DRAIN_TIMEOUT.toSeconds() + "s");
    List<ScriptedTurn> turns = ScriptedTurn.spread(options.jobs(), options.longestTurn(),
        "run " + number);
    List<String> ids = new ArrayList<>();
    ServeProcess.Signal signal;
    ServeProcess.Exit exit;
    try (ServeProcess serve = ServeProcess.start(home, dir, "drain-" + number, data, env)) {
      serve.awaitReady();
      ServiceApi client = serve.client();
      // the first turn also starts the app-server and its first thread: kept out of the figure
      String warmUp = client.submit(job("[[reply:warm-up]]", "warm-up"));
      awaitFinal(client, warmUp, Duration.ofSeconds(90));
      for (int i = 0; i < turns.size(); i++) {
        ids.add(client.submit(job(turns.get(i).prompt(), "drain-" + number + "-" + i)));
      }
      awaitStreaming(client, ids);
      signal = serve.sigterm();
      exit = serve.awaitExit(DRAIN_TIMEOUT.plusSeconds(60)).orElseThrow(() ->
          new IllegalStateException("run " + number + ": serve did not exit within "
              + DRAIN_TIMEOUT.plusSeconds(60).toSeconds() + " s of SIGTERM\n"
              + serve.stderrTail()));
    }
    List<DrainedJob> jobs = new ArrayList<>();
    try (ServeProcess check = ServeProcess.start(home, dir, "check-" + number, data, env)) {
      check.awaitReady();
      ServiceApi client = check.client();
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        jobs.add(DrainedJob.of(id, turns.get(i), client.job(id),
            client.require200("/v1/jobs/" + id + "/history")));
      }
      check.stop(Duration.ofSeconds(60));
    }
    return new DrainResult(number, signal.at(), Duration.ofNanos(exit.nanos() - signal.nanos()),
        exit.code(), jobs);
  }

  private static ObjectNode job(String prompt, String key) {
    return ServiceApi.JSON.createObjectNode().put("prompt", prompt)
        .put("idempotencyKey", key);
  }

  /**
   * Polls until every job is running with its thread attached (its turn is streaming). A job
   * already finished means the signal would come too late to measure it: the run fails.
   */
  private static void awaitStreaming(ServiceApi client, List<String> ids) {
    long deadline = System.nanoTime() + TURNS_START_LIMIT.toNanos();
    while (true) {
      int streaming = 0;
      for (String id : ids) {
        JsonNode job = client.job(id);
        String status = job.path("status").asText();
        if (FINAL.contains(status)) {
          throw new IllegalStateException(id + " was already " + status + " before every turn"
              + " had started; give the turns longer (--longest-turn-ms): " + job);
        }
        if (status.equals("running") && !job.path("threadId").isNull()
            && !job.path("threadId").asText("").isEmpty()) {
          streaming++;
        }
      }
      if (streaming == ids.size()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + streaming + " of " + ids.size()
            + " turns had started after " + TURNS_START_LIMIT.toSeconds() + " s");
      }
      Pause.millis(20);
    }
  }

  private static void awaitFinal(ServiceApi client, String id, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      JsonNode job = client.job(id);
      String status = job.path("status").asText();
      if (status.equals("succeeded")) {
        return;
      }
      if (FINAL.contains(status) || System.nanoTime() > deadline) {
        throw new IllegalStateException("the warm-up job did not succeed (" + limit.toSeconds()
            + " s): " + job);
      }
      Pause.millis(50);
    }
  }
}
