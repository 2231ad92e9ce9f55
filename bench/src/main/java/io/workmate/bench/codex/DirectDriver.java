package io.workmate.bench.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Variant (b), the floor: one {@code codex app-server} driven by {@link LineRpc}. initialize,
 * initialized, {@code thread/start} for every thread, then each thread's turns back to back, the
 * next {@code turn/start} sent as soon as {@code turn/completed} arrives. It sends what Workmate
 * sends (same capabilities, thread settings and prompts), so any difference is Workmate's cost.
 */
public final class DirectDriver {

  private static final long TIMEOUT_MINUTES = 10;

  private final LineRpc rpc;
  private final Path workDir;
  /** The batch in progress; batches run one after another. */
  private volatile Batch current;

  private DirectDriver(Process appServer, Path workDir) {
    this.workDir = workDir;
    this.rpc = new LineRpc(appServer, this::onNotification);
  }

  public static void main(String[] argv) throws Exception {
    DriverArgs args = DriverArgs.parse(argv);
    CodexEnvironment environment = CodexEnvironment.prepare(args.codexDir(), System.getenv(),
        BenchGateway.secrets());

    long started = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder(args.binary().toString(), "app-server")
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().clear();
    builder.environment().putAll(environment.forProcess("WORKMATE_CODEX_INSTANCE", "bench"));
    DirectDriver driver = new DirectDriver(builder.start(), args.workDir());
    driver.initialize();
    Batch warmUp = driver.run(args.workload().warmUp());
    if (!warmUp.failures.isEmpty()) {
      throw new IllegalStateException("warm-up turn failed: " + warmUp.failures);
    }
    long ready = System.nanoTime();
    DriverMarks.ready();
    Batch batch = driver.run(args.workload());
    long end = System.nanoTime();
    DriverMarks.done();
    driver.rpc.closeAndWait();
    new DriverReport(TimeUnit.NANOSECONDS.toMillis(ready - started),
        TimeUnit.NANOSECONDS.toMillis(end - ready), batch.completed.get(),
        batch.failures.size(), batch.failures.stream().limit(5).toList()).print();
  }

  private void initialize() throws Exception {
    ObjectNode capabilities = LineRpc.object().put("experimentalApi", false);
    ArrayNode optOut = capabilities.putArray("optOutNotificationMethods");
    AppServerSettings.DEFAULT_OPT_OUT.forEach(optOut::add);
    ObjectNode params = LineRpc.object();
    params.putObject("clientInfo").put("name", "workmate_bench_direct").put("title", "bench")
        .put("version", "0");
    params.set("capabilities", capabilities);
    rpc.call("initialize", params).get(1, TimeUnit.MINUTES);
    rpc.notify("initialized");
  }

  private Batch run(Workload workload) throws Exception {
    Batch batch = new Batch(workload);
    current = batch;
    batch.start();
    if (!batch.allTurns.await(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      throw new IllegalStateException("turns still running after " + TIMEOUT_MINUTES + " min");
    }
    return batch;
  }

  /** Runs on the reader thread. */
  private void onNotification(String method, JsonNode params) {
    Batch batch = current;
    if ("turn/completed".equals(method) && batch != null) {
      batch.onTurnCompleted(params);
    }
  }

  /** One workload on new threads. */
  private final class Batch {
    final Workload workload;
    final Map<String, Integer> threadIndex = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> turnOfThread = new ConcurrentHashMap<>();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger completed = new AtomicInteger();
    final CountDownLatch allTurns;

    Batch(Workload workload) {
      this.workload = workload;
      this.allTurns = new CountDownLatch(workload.totalTurns());
    }

    void start() throws Exception {
      List<CompletableFuture<JsonNode>> starts = new ArrayList<>();
      for (int i = 0; i < workload.threads(); i++) {
        ObjectNode params = LineRpc.object().put("cwd", workDir.toString())
            .put("approvalPolicy", "never").put("sandbox", "danger-full-access");
        starts.add(rpc.call("thread/start", params));
      }
      for (int i = 0; i < starts.size(); i++) {
        String threadId = starts.get(i).get(1, TimeUnit.MINUTES).path("thread").path("id")
            .asText();
        threadIndex.put(threadId, i);
        turnOfThread.put(threadId, new AtomicInteger());
        startTurn(threadId, 0);
      }
    }

    void startTurn(String threadId, int turn) {
      ObjectNode params = LineRpc.object().put("threadId", threadId);
      params.putArray("input").addObject().put("type", "text")
          .put("text", workload.prompt(threadIndex.get(threadId), turn))
          .putArray("text_elements");
      rpc.call("turn/start", params).whenComplete((result, error) -> {
        if (error != null) {
          // no turn/completed will come for this thread: its remaining turns are lost too
          for (int lost = turn; lost < workload.turnsPerThread(); lost++) {
            fail(threadId, lost, error.getMessage());
          }
        }
      });
    }

    /** A finished turn starts the thread's next one right away. */
    void onTurnCompleted(JsonNode params) {
      String threadId = params.path("threadId").asText();
      AtomicInteger turnCounter = turnOfThread.get(threadId);
      if (turnCounter == null) {
        return;
      }
      int turn = turnCounter.getAndIncrement();
      JsonNode result = params.path("turn");
      String expected = workload.expectedReply(threadIndex.get(threadId), turn);
      String reply = lastAgentText(result.path("items"));
      if ("completed".equals(result.path("status").asText())
          && (expected == null || expected.equals(reply))) {
        completed.incrementAndGet();
        allTurns.countDown();
      } else {
        fail(threadId, turn, result.path("status").asText() + " " + result.path("error")
            + " reply '" + reply + "'");
      }
      if (turn + 1 < workload.turnsPerThread()) {
        startTurn(threadId, turn + 1);
      }
    }

    void fail(String threadId, int turn, String why) {
      failures.add("thread " + threadIndex.get(threadId) + " turn " + turn + ": " + why);
      allTurns.countDown();
    }
  }

  private static String lastAgentText(JsonNode items) {
    String text = null;
    for (JsonNode item : items) {
      if ("agentMessage".equals(item.path("type").asText())) {
        text = item.path("text").asText();
      }
    }
    return text;
  }
}
