package io.workmate.bench.workspaces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Jobs/s through one real {@code bin/workmate serve}: without, then with a workspace. */
final class JobRuns {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration RUN_LIMIT = Duration.ofMinutes(10);
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** Jobs per second of each run. */
  record Result(double without, double withWorkspace) {}

  private JobRuns() {}

  static Result run(Path dir, Path repo, int jobs, int concurrent) throws Exception {
    Path home = Path.of(System.getProperty("workmate.home", "."));
    ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/workmate").toString(), "serve",
        "--port", "0", "--data", dir.resolve("data").toString());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_JOBS_MAX_CONCURRENT", Integer.toString(concurrent));
    builder.environment().put("WORKMATE_WORKSPACES_ALLOWED_ROOTS", repo.getParent().toString());
    builder.redirectError(dir.resolve("serve.err").toFile());
    Process serve = builder.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(),
          StandardCharsets.UTF_8));
      Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)")
          .matcher(String.valueOf(out.readLine()));
      if (!url.find()) {
        throw new IllegalStateException("serve did not start; see " + dir.resolve("serve.err"));
      }
      String base = url.group(1);
      awaitReady(base);
      double without = jobsPerSecond(base, jobs, i -> "{\"prompt\": \"[[patch:plain-" + i
          + "-" + System.nanoTime() + ".txt:x]]\"}");
      double with = jobsPerSecond(base, jobs, i -> "{\"prompt\": \"[[patch:out-" + i
          + ".txt:x]]\", \"workspace\": {\"repo\": \"" + repo + "\"}}");
      return new Result(without, with);
    } finally {
      serve.destroy();
      if (!serve.waitFor(60, TimeUnit.SECONDS)) {
        serve.destroyForcibly();
      }
    }
  }

  private static double jobsPerSecond(String base, int jobs,
      java.util.function.IntFunction<String> body) throws Exception {
    long start = System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base
              + "/v1/jobs")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.apply(i))).build(),
          HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 202) {
        throw new IllegalStateException("submit answered " + answer.statusCode() + ": "
            + answer.body());
      }
      ids.add(JSON.readTree(answer.body()).path("id").asText());
    }
    long limit = start + RUN_LIMIT.toNanos();
    for (String id : ids) {
      while (true) {
        JsonNode job = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base
            + "/v1/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
        String status = job.path("status").asText();
        if (status.equals("succeeded")) {
          break;
        }
        if (status.equals("dead") || status.equals("cancelled") || System.nanoTime() > limit) {
          throw new IllegalStateException("job " + id + " did not succeed: " + job);
        }
        LockSupport.parkNanos(POLL_NANOS);
      }
    }
    return jobs / ((System.nanoTime() - start) / 1e9);
  }

  private static void awaitReady(String base) throws Exception {
    long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < limit) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // starting
      }
      LockSupport.parkNanos(POLL_NANOS * 4);
    }
    throw new IllegalStateException("serve was not ready within 90 s");
  }
}
