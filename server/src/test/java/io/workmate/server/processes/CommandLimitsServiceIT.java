package io.workmate.server.processes;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code bin/workmate serve} with {@code workmate.codex.limits.codex.cpu-time = 2s}:
 * a job on the built-in agent that burns CPU fails with the limit's message, and a job on an
 * unlimited codex agent registered on the same service runs without limits.
 */
class CommandLimitsServiceIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TERMINAL = Set.of("succeeded", "dead", "cancelled");

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aJobOverItsAgentsCpuLimitFailsAndAnUnlimitedAgentIsUnaffected() throws Exception {
    Path config = Files.writeString(tmp.resolve("workmate.conf"),
        "workmate.codex.limits { codex { cpu-time = 2s } }\n");
    ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("bin/workmate").toString(), "serve",
        "--port", "0", "--config", config.toString()).directory(tmp.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("data").toString());
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    // codex refuses its sandbox helper under /tmp, where the data dir of this test is
    builder.environment().put("WORKMATE_CODEX_SANDBOX", "danger-full-access");
    builder.environment().put("WORKMATE_CODEX_APPROVAL_POLICY", "never");
    Process service = builder.start();
    try {
      BufferedReader reader = new BufferedReader(
          new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
      String banner = reader.readLine();
      Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
      assertTrue(url.find(), "banner: " + banner);
      String base = url.group(1);

      String limited = submit(base, "{\"prompt\": \"[[delay:1200]] [[exec:sh -c 'while :; do :; "
          + "done']]\", \"maxAttempts\": 1}");
      JsonNode failed = awaitEnd(base, limited);
      assertEquals("dead", failed.path("status").asText(), failed.toString());
      assertEquals("the command \"sh -c 'while :; do :; done'\" exceeded the CPU-time limit of "
          + "2 s (RLIMIT_CPU; SIGXCPU, exit status 152)", failed.path("error").asText());

      HttpResponse<String> registered = post(base + "/v1/agents",
          "{\"id\": \"free\", \"kind\": \"codex\", \"capabilities\": [\"free\"]}");
      assertTrue(registered.statusCode() / 100 == 2, registered.body());
      String free = submit(base, "{\"prompt\": \"[[exec:ulimit -t]]\", \"agent\": \"free\", "
          + "\"maxAttempts\": 1}");
      JsonNode succeeded = awaitEnd(base, free);
      assertEquals("succeeded", succeeded.path("status").asText(), succeeded.toString());
      assertTrue(succeeded.path("result").path("text").asText().contains("unlimited"),
          succeeded.toString());
    } finally {
      service.destroy();
      assertTrue(service.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
    }
  }

  private String submit(String base, String body) throws Exception {
    HttpResponse<String> response = post(base + "/v1/jobs", body);
    assertTrue(response.statusCode() / 100 == 2, response.body());
    return JSON.readTree(response.body()).path("id").asText();
  }

  private JsonNode awaitEnd(String base, String id) {
    JsonNode[] last = new JsonNode[1];
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
          URI.create(base + "/v1/jobs/" + id)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      last[0] = JSON.readTree(response.body());
      return TERMINAL.contains(last[0].path("status").asText());
    });
    return last[0];
  }

  private HttpResponse<String> post(String url, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
