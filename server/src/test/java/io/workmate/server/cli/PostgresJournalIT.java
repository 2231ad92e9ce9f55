package io.workmate.server.cli;

import static io.workmate.server.cli.JobsHttp.count;
import static io.workmate.server.cli.JobsHttp.get;
import static io.workmate.server.cli.JobsHttp.post;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The crash test on a real PostgreSQL, started by {@code scripts/postgres} (Debian's server, a
 * private cluster on loopback, a non-root user): {@code workmate serve} journals to it, is
 * killed with SIGKILL after its last acknowledged submit and a moment of idle time, and started
 * again. Every acknowledged job must end {@code succeeded} with exactly one {@code Succeeded}
 * event in the journal, read with plain SQL.
 */
class PostgresJournalIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final Path LAUNCHER = ROOT.resolve("bin/workmate");
  private static final Path POSTGRES = ROOT.resolve("scripts/postgres");
  private static final int JOBS = 120;

  /** Not a JUnit temp dir: the server's user must reach it, and JUnit's are owner-only. */
  private Path tmp;
  private Path cluster;
  private final Map<String, String> journal = new LinkedHashMap<>();

  @BeforeEach
  void startPostgres() throws Exception {
    tmp = Files.createTempDirectory("workmate-pg-it",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    cluster = tmp.resolve("postgres");
    Process started = new ProcessBuilder(POSTGRES.toString(), "start", cluster.toString())
        .redirectError(tmp.resolve("postgres-start.err").toFile()).start();
    String out = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(started.waitFor(5, TimeUnit.MINUTES), "scripts/postgres start did not finish");
    if (started.exitValue() != 0) {
      fail("scripts/postgres could not start PostgreSQL (exit " + started.exitValue() + "): "
          + Files.readString(tmp.resolve("postgres-start.err")));
    }
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        journal.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertEquals("postgres", journal.get("WORKMATE_JOURNAL_KIND"), out);
  }

  @AfterEach
  void stopPostgres() throws Exception {
    Process stopped = new ProcessBuilder(POSTGRES.toString(), "stop", cluster.toString())
        .redirectErrorStream(true).start();
    stopped.getInputStream().readAllBytes();
    assertTrue(stopped.waitFor(2, TimeUnit.MINUTES), "scripts/postgres stop did not finish");
    try (var tree = Files.walk(tmp)) {
      tree.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void aKilledServiceOnPostgresLosesNoAcknowledgedJobAndCompletesNoneTwice() throws Exception {
    Path data = tmp.resolve("data");
    List<String> ids = new ArrayList<>();
    Process first = serve(data, "first");
    try {
      String url = url(first);
      for (int i = 0; i < JOBS; i++) {
        // a small delay per turn keeps jobs in flight when the kill comes
        JsonNode created = post(url + "/v1/jobs", "{\"prompt\": \"[[delay:20]][[reply:job " + i
            + " done]]\", \"idempotencyKey\": \"pg-" + i + "\"}", 202);
        ids.add(created.path("id").asText());
      }
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
          .until(() -> count(url, "succeeded") >= 10);
      // the last write: acknowledged, then idle time before the kill, as a crash finds a service
      ids.add(post(url + "/v1/jobs", "{\"prompt\": \"[[reply:the last one]]\", "
          + "\"idempotencyKey\": \"pg-last\"}", 202).path("id").asText());
      Thread.sleep(500);
      assertTrue(count(url, "succeeded") < ids.size(), "the kill must come while jobs are left");
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no drain
      assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the killed service is gone");
    }
    assertEquals(137, first.exitValue(), "killed by SIGKILL");

    Process second = serve(data, "second");
    try {
      String url = url(second);
      await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
          .until(() -> count(url, "succeeded") >= ids.size());
      for (String id : ids) {
        JsonNode job = get(url + "/v1/jobs/" + id);
        assertEquals("succeeded", job.path("status").asText(), job.toString());
        int succeededEvents = 0;
        for (JsonNode event : get(url + "/v1/jobs/" + id + "/history").path("events")) {
          succeededEvents += event.path("type").asText().equals("succeeded") ? 1 : 0;
        }
        assertEquals(1, succeededEvents, "one completion of " + id);
      }
    } finally {
      second.destroy();
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the service stops on SIGTERM");
    }

    // the journal itself, read without Workmate: one Succeeded event per acknowledged job
    Map<String, Integer> succeededInJournal;
    try (Connection db = DriverManager.getConnection(journal.get("WORKMATE_JOURNAL_POSTGRES_URL"),
        journal.get("WORKMATE_JOURNAL_POSTGRES_USER"),
        journal.get("WORKMATE_JOURNAL_POSTGRES_PASSWORD"))) {
      succeededInJournal = LedgerJournal.read(db).succeeded();
    }
    assertEquals(ids.size(), succeededInJournal.size(), "jobs with a Succeeded event");
    succeededInJournal.forEach((id, count) ->
        assertEquals(1, count, "Succeeded events of " + id + " in the journal"));
    assertTrue(ids.containsAll(succeededInJournal.keySet()), "only the submitted jobs");
  }

  // ---- the service ----

  private Process serve(Path data, String name) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "serve", "--port", "0")
        .directory(tmp.toFile())
        .redirectError(tmp.resolve("serve-" + name + ".err").toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    builder.environment().putAll(journal);
    builder.environment().put("WORKMATE_DATA_DIR", data.toString());
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_JOBS_MAX_CONCURRENT", "8");
    return builder.start();
  }

  private String url(Process service) throws Exception {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
    if (!url.find()) {
      StringBuilder errors = new StringBuilder();
      try (var files = Files.list(tmp)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".err")).toList()) {
          errors.append(file.getFileName()).append(":\n").append(Files.readString(file));
        }
      }
      fail("the service did not start: " + banner + "\n" + errors);
    }
    assertTrue(banner.contains("journal: postgres"), banner);
    return url.group(1);
  }
}
