package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

  private static final Path POSTGRES = ServeProcess.ROOT.resolve("scripts/postgres");
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
      tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  void aKilledServiceOnPostgresLosesNoAcknowledgedJobAndCompletesNoneTwice() throws Exception {
    Path data = tmp.resolve("data");
    Map<String, String> env = new LinkedHashMap<>(journal);
    env.put("WORKMATE_JOBS_MAX_CONCURRENT", "8");
    List<String> ids = new ArrayList<>();
    try (ServeProcess first = ServeProcess.start(tmp, "first", data, env)) {
      assertTrue(first.output().contains("journal: postgres"), first.output());
      for (int i = 0; i < JOBS; i++) {
        // a small delay per turn keeps jobs in flight when the kill comes
        ids.add(first.submit("{\"prompt\": \"[[delay:20]][[reply:job " + i
            + " done]]\", \"idempotencyKey\": \"pg-" + i + "\"}"));
      }
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200))
          .until(() -> first.count("succeeded") >= 10);
      // the last write: acknowledged, then idle time before the kill, as a crash finds a service
      ids.add(first.submit("{\"prompt\": \"[[reply:the last one]]\", "
          + "\"idempotencyKey\": \"pg-last\"}"));
      Thread.sleep(500);
      assertTrue(first.count("succeeded") < ids.size(), "the kill must come while jobs are left");
      first.signal("KILL"); // no shutdown hook, no drain
      assertEquals(137, first.awaitExit(Duration.ofSeconds(30)), "killed by SIGKILL");
    }

    try (ServeProcess second = ServeProcess.start(tmp, "second", data, env)) {
      await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
          .until(() -> second.count("succeeded") >= ids.size());
      for (String id : ids) {
        assertEquals("succeeded", second.status(id), second.job(id).toString());
        assertEquals(1, second.history(id).stream().filter("succeeded"::equals).count(),
            "one completion of " + id);
      }
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
}
