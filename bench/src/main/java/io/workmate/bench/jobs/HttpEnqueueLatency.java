package io.workmate.bench.jobs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP enqueue latency: {@code POST /v1/jobs} at a fixed rate from this process against
 * {@code bin/workmate serve} started as a separate process (embedded journal, offline, the echo
 * agent). A request's latency runs from when it was due, not from when it was sent, so a stall
 * is charged to every request it held back (no coordinated omission). The requests go out over
 * {@link SocketLoad}'s keep-alive connections, or through the JDK {@code HttpClient}.
 */
final class HttpEnqueueLatency {

  /** Which HTTP client sends the load. */
  enum Client { SOCKETS, JDK }

  /** Keep-alive connections of the socket client: well above rate × latency. */
  private static final int CONNECTIONS = 32;

  record Result(int rate, int requests, long errors, double p50Millis, double p99Millis,
      double maxMillis, double achievedRate, String firstError) {}

  private HttpEnqueueLatency() {}

  static Result run(Path home, Path dataDir, int rate, Duration length, Duration warmup,
      Client client) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/workmate").toString(), "serve",
        "--port", "0").redirectError(dataDir.resolve("serve.err").toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", dataDir.resolve("data").toString());
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_JOBS_ECHO_AGENT", "on");
    long launched = System.nanoTime();
    Process service = builder.start();
    try {
      URI base = URI.create(baseUrl(service));
      System.out.printf("  serve listening %.2f s after launch (journal open, queue recovered, port"
          + " bound)%n", (System.nanoTime() - launched) / 1e9);
      // This process is the load generator: a pause of its own delays every request due meanwhile
      // and is charged to the service. The throughput runs leave its heap full; collected now, the
      // few MB the load allocates fit in the young generation with no collection until the end
      // (a young pause among their leftovers took 29 ms here).
      System.gc();
      if (client == Client.SOCKETS) {
        try (SocketLoad load = new SocketLoad(base, "/v1/jobs", HttpEnqueueLatency::body,
            CONNECTIONS)) {
          // warm-up at the same rate: JIT, connections
          fire(load, rate, warmup);
          return fire(load, rate, length);
        }
      }
      ExecutorService callbacks = Executors.newFixedThreadPool(2);
      try {
        HttpClient http = HttpClient.newBuilder().executor(callbacks)
            .connectTimeout(Duration.ofSeconds(5)).build();
        URI jobs = base.resolve("/v1/jobs");
        fire(http, jobs, rate, warmup, callbacks);
        return fire(http, jobs, rate, length, callbacks);
      } finally {
        callbacks.shutdownNow();
      }
    } finally {
      System.out.println("  serve after the run: " + footprint(service, dataDir.resolve("data")));
      service.destroy();
      if (!service.waitFor(30, TimeUnit.SECONDS)) {
        service.destroyForcibly();
      }
    }
  }

  private static String body(int index) {
    return "{\"prompt\": \"bench " + index + "\", \"agent\": \"echo\"}";
  }

  private static Result fire(SocketLoad load, int rate, Duration length)
      throws InterruptedException {
    int count = (int) (rate * length.toMillis() / 1000);
    SocketLoad.Run run = load.begin(count, 202);
    long start = pace(count, rate, load::send);
    run.await(2, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    return result(rate, run.latencies, run.errors(), seconds, load.firstError());
  }

  private static Result fire(HttpClient client, URI jobs, int rate, Duration length,
      ExecutorService callbacks) throws InterruptedException {
    int count = (int) (rate * length.toMillis() / 1000);
    long[] latencies = new long[count];
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(count);
    long start = pace(count, rate, (index, due) -> {
      HttpRequest request = HttpRequest.newBuilder(jobs).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body(index)))
          .build();
      CompletableFuture<HttpResponse<Void>> response =
          client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
      response.whenCompleteAsync((answer, failure) -> {
        latencies[index] = System.nanoTime() - due;
        if (failure != null || answer.statusCode() != 202) {
          errors.incrementAndGet();
          firstError.compareAndSet(null, failure != null ? failure.toString()
              : "HTTP " + answer.statusCode());
        }
        done.countDown();
      }, callbacks);
    });
    done.await(2, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    return result(rate, latencies, errors.get(), seconds, firstError.get());
  }

  /** Sends one request: its index in the run and when it was due. */
  @FunctionalInterface
  private interface Sender {
    void send(int index, long dueNanos);
  }

  /**
   * Hands {@code count} requests to {@code sender}, each at its due time, {@code rate} per
   * second; the time the first was due.
   */
  private static long pace(int count, int rate, Sender sender) {
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      sender.send(i, due);
    }
    return start;
  }

  private static Result result(int rate, long[] latencies, long errors, double seconds,
      String firstError) {
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Result(rate, sorted.length, errors, millis(sorted, 0.50), millis(sorted, 0.99),
        sorted[sorted.length - 1] / 1e6, sorted.length / seconds, firstError);
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  /** The service's resident memory (Linux /proc) and the size of its journal file. */
  private static String footprint(Process service, Path data) {
    String rss = "resident memory unknown";
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(service.pid()),
          "status"))) {
        if (line.startsWith("VmRSS:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          rss = String.format("resident memory %.0f MB", kb / 1024.0);
        }
      }
    } catch (Exception e) {
      // not Linux, or the process is gone: say unknown
    }
    Path journal = data.resolve("journal/workmate.mv.db");
    try {
      return rss + String.format(", journal file %.1f MB", Files.size(journal) / 1e6);
    } catch (Exception e) {
      return rss + ", no journal file at " + journal;
    }
  }

  private static String baseUrl(Process service) throws Exception {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
    if (!url.find()) {
      throw new IllegalStateException("workmate serve did not start: " + banner);
    }
    return url.group(1);
  }
}
