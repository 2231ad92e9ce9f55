package io.workmate.bench.workspaces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.bench.common.Machine;
import io.workmate.bench.common.Poll;
import io.workmate.bench.service.ServeProcess;
import io.workmate.bench.soak.ServiceApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Jobs/s through one real {@code bin/workmate serve}, each job a short Codex turn that writes one
 * file, in three places: the service's shared jobs directory, a git repository given as the
 * job's {@code cwd} (what isolation replaces: Codex in the repository itself), and a workspace of
 * its own (a git worktree). The variants take turns, {@code repeat} times.
 */
final class JobRuns {

  private static final Duration RUN_LIMIT = Duration.ofMinutes(10);

  /** Where the jobs of a run work. */
  enum Variant {
    SHARED_DIRECTORY("no workspace, the shared jobs directory"),
    IN_REPOSITORY("no workspace, cwd = a git repository"),
    WORKSPACE("a workspace (git worktree) each");

    final String label;

    Variant(String label) {
      this.label = label;
    }
  }

  /**
   * Jobs per second of each run, by variant, in the order they ran, and the machine's busy CPU
   * time per job in each run (ms; all processes: the service, codex, git).
   */
  record Result(Map<Variant, List<Double>> rates, Map<Variant, List<Double>> cpuPerJob) {
    double median(Variant variant) {
      return medianOf(rates.get(variant));
    }

    double cpuMedian(Variant variant) {
      return medianOf(cpuPerJob.get(variant));
    }

    private static double medianOf(List<Double> values) {
      List<Double> sorted = values.stream().sorted().toList();
      return sorted.get(sorted.size() / 2);
    }
  }

  private JobRuns() {}

  /**
   * @param worktreeRepo the repository the workspace jobs make their worktrees from
   * @param cwdRepo a repository of the same content the in-repository jobs work in
   */
  static Result run(Path dir, Path worktreeRepo, Path cwdRepo, int jobs, int concurrent,
      int repeat) throws Exception {
    Path home = Path.of(System.getProperty("workmate.home", "."));
    Map<Variant, List<Double>> rates = new EnumMap<>(Variant.class);
    Map<Variant, List<Double>> cpu = new EnumMap<>(Variant.class);
    try (ServeProcess serve = ServeProcess.start(home, dir, "workspaces", dir.resolve("data"),
        Map.of("WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(concurrent),
            "WORKMATE_WORKSPACES_ALLOWED_ROOTS", worktreeRepo.getParent().toString()))) {
      serve.awaitReady();
      ServiceApi api = serve.client();
      for (int round = 0; round < repeat; round++) {
        String tag = "r" + round;
        for (Variant variant : Variant.values()) {
          IntFunction<ObjectNode> job = switch (variant) {
            case SHARED_DIRECTORY -> (i -> prompt("shared-" + tag + "-" + i));
            case IN_REPOSITORY -> (i -> prompt("cwd-" + tag + "-" + i)
                .put("cwd", cwdRepo.toString()));
            case WORKSPACE -> (i -> {
              ObjectNode body = prompt("out-" + tag + "-" + i);
              body.putObject("workspace").put("repo", worktreeRepo.toString());
              return body;
            });
          };
          long[] before = Machine.cpuTimes();
          double rate = jobsPerSecond(api, jobs, job);
          long[] after = Machine.cpuTimes();
          // jiffies of 10 ms, busy = all but idle and iowait
          double busyMs = before == null || after == null ? Double.NaN
              : ((after[0] - after[1]) - (before[0] - before[1])) * 10.0 / jobs;
          rates.computeIfAbsent(variant, v -> new ArrayList<>()).add(rate);
          cpu.computeIfAbsent(variant, v -> new ArrayList<>()).add(busyMs);
          System.err.printf("bench: round %d, %s: %.2f jobs/s, %.0f ms CPU per job%n",
              round + 1, variant.label, rate, busyMs);
        }
      }
    }
    return new Result(rates, cpu);
  }

  private static ObjectNode prompt(String file) {
    return ServiceApi.JSON.createObjectNode().put("prompt", "[[patch:" + file + ".txt:x]]");
  }

  /** Submits every job, then waits for each to succeed: jobs/s from first submit to last end. */
  private static double jobsPerSecond(ServiceApi api, int jobs, IntFunction<ObjectNode> body) {
    long start = System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      ids.add(api.submit(body.apply(i)));
    }
    for (String id : ids) {
      Poll.until(RUN_LIMIT, Duration.ofMillis(20), () -> {
        JsonNode job = api.job(id);
        String status = job.path("status").asText();
        if (status.equals("dead") || status.equals("cancelled") || status.equals("failed")) {
          throw new IllegalStateException("job " + id + " did not succeed: " + job);
        }
        return status.equals("succeeded") ? Optional.of(job) : Optional.empty();
      }).orElseThrow(() -> new IllegalStateException("job " + id + " did not succeed within "
          + RUN_LIMIT.toMinutes() + " minutes"));
    }
    return jobs / ((System.nanoTime() - start) / 1e9);
  }
}
