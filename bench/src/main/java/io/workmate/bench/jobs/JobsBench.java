package io.workmate.bench.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code scripts/bench jobs}: the job queue's throughput on the embedded journal (no-op agent),
 * and, with {@code --http}, the HTTP enqueue latency at a fixed request rate from this process
 * against a {@code workmate serve} started as a separate process.
 *
 * <pre>
 *   --jobs N         jobs per throughput run (default 20000)
 *   --in-flight N    submissions unanswered at once (default 1000)
 *   --pool N         journal connections (default 8)
 *   --repeat N       throughput runs; the median is reported (default 3)
 *   --no-http        skip the HTTP latency part
 *   --rate RPS       HTTP requests per second (default 1000)
 *   --seconds S      HTTP measurement length (default 10)
 *   --warmup S       HTTP warm-up at the same rate before measuring (default 30: serve runs
 *                    C2, whose compiling would otherwise fall into the measured seconds)
 *   --client C       the load's HTTP client: sockets (default; lean keep-alive connections)
 *                    or jdk (java.net.http.HttpClient, which adds its own latency)
 * </pre>
 */
public final class JobsBench {

  private static final double GOAL_JOBS_PER_SECOND = 5_000;
  private static final double GOAL_P99_MILLIS = 10;

  private JobsBench() {}

  public static void main(String[] args) throws Exception {
    int jobs = 20_000;
    int inFlight = 1_000;
    int pool = 8;
    int repeat = 3;
    boolean http = true;
    int rate = 1_000;
    int seconds = 10;
    int warmup = 30;
    HttpEnqueueLatency.Client client = HttpEnqueueLatency.Client.SOCKETS;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jobs" -> jobs = Integer.parseInt(args[++i]);
        case "--in-flight" -> inFlight = Integer.parseInt(args[++i]);
        case "--pool" -> pool = Integer.parseInt(args[++i]);
        case "--repeat" -> repeat = Integer.parseInt(args[++i]);
        case "--no-http" -> http = false;
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--client" -> {
          String name = ++i < args.length ? args[i] : "";
          if (!name.equals("sockets") && !name.equals("jdk")) {
            System.err.println("bench: --client takes sockets or jdk, not '" + name + "'");
            System.exit(2);
          }
          client = HttpEnqueueLatency.Client.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
        case "-h", "--help" -> {
          System.out.println("usage: scripts/bench jobs [--jobs N] [--in-flight N] [--pool N]"
              + " [--repeat N] [--no-http] [--rate RPS] [--seconds S] [--warmup S]"
              + " [--client sockets|jdk]");
          return;
        }
        default -> {
          System.err.println("bench: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    System.out.printf("Job queue throughput: %d jobs per run, %d in flight, journal pool %d, "
        + "H2 file (WRITE_DELAY=0), echo agent, %d cores%n", jobs, inFlight, pool,
        Runtime.getRuntime().availableProcessors());
    List<JobsThroughput.Result> results = new ArrayList<>();
    for (int run = 1; run <= repeat; run++) {
      Path dir = Files.createTempDirectory("workmate-jobs-bench");
      try {
        JobsThroughput.Result result = JobsThroughput.run(dir, jobs, inFlight, pool);
        results.add(result);
        System.out.printf("  run %d: %,d jobs in %.2f s = %,.0f jobs/s (%,.0f events/s), "
                + "%d refused%n", run, result.jobs(), result.took().toNanos() / 1e9,
            result.jobsPerSecond(), result.jobsPerSecond() * 3, result.failures());
      } finally {
        deleteTree(dir);
      }
    }
    results.sort(Comparator.comparingDouble(JobsThroughput.Result::jobsPerSecond));
    double median = results.get(results.size() / 2).jobsPerSecond();
    System.out.printf("median: %,.0f jobs/s enqueue to succeeded (goal >= %,.0f): %s%n", median,
        GOAL_JOBS_PER_SECOND, median >= GOAL_JOBS_PER_SECOND ? "PASS" : "BELOW GOAL");
    if (!http) {
      return;
    }
    Path home = Path.of(System.getProperty("workmate.home", "."));
    Path dir = Files.createTempDirectory("workmate-http-bench");
    try {
      System.out.printf("%nHTTP enqueue latency: POST /v1/jobs at %d/s for %d s (after %d s of"
          + " warm-up) from this process (%s client) to bin/workmate serve (separate process,"
          + " echo agent)%n", rate, seconds, warmup,
          client.name().toLowerCase(java.util.Locale.ROOT));
      HttpEnqueueLatency.Result result =
          HttpEnqueueLatency.run(home, dir, rate, java.time.Duration.ofSeconds(seconds),
              java.time.Duration.ofSeconds(warmup), client);
      System.out.printf("  %,d requests at %.0f/s achieved, %d errors: p50 %.2f ms, p99 %.2f ms,"
              + " max %.1f ms (goal p99 < %.0f ms): %s%n", result.requests(),
          result.achievedRate(), result.errors(), result.p50Millis(), result.p99Millis(),
          result.maxMillis(), GOAL_P99_MILLIS,
          result.p99Millis() < GOAL_P99_MILLIS && result.errors() == 0 ? "PASS" : "BELOW GOAL");
      if (result.firstError() != null) {
        System.out.println("  first error: " + result.firstError());
        Path log = dir.resolve("serve.err");
        if (Files.exists(log)) {
          List<String> lines = Files.readAllLines(log);
          System.out.println("  the service's log, last lines:");
          lines.subList(Math.max(0, lines.size() - 30), lines.size())
              .forEach(line -> System.out.println("    " + line));
        }
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
