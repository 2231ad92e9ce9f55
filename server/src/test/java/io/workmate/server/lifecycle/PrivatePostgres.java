package io.workmate.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL of the test's own, started by {@code scripts/postgres} (Debian's server, a
 * private cluster on loopback, run as a non-root user) in a directory the server's user can
 * reach; {@link #journal()} are the {@code WORKMATE_JOURNAL_*} variables that point
 * {@code serve} at it. A missing server or a failed start fails the test with the script's
 * message.
 */
final class PrivatePostgres implements AutoCloseable {

  private static final Path SCRIPT = ServeProcess.ROOT.resolve("scripts/postgres");

  private final Path cluster;
  private final Map<String, String> journal;

  private PrivatePostgres(Path cluster, Map<String, String> journal) {
    this.cluster = cluster;
    this.journal = journal;
  }

  /** Starts one in {@code dir}/postgres; {@code dir} must be reachable by other users. */
  static PrivatePostgres start(Path dir) throws Exception {
    Path cluster = dir.resolve("postgres");
    Path err = dir.resolve("postgres-start.err");
    Process started = new ProcessBuilder(SCRIPT.toString(), "start", cluster.toString())
        .redirectError(err.toFile()).start();
    String out = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(started.waitFor(5, TimeUnit.MINUTES), "scripts/postgres start did not finish");
    if (started.exitValue() != 0) {
      fail("scripts/postgres could not start PostgreSQL (exit " + started.exitValue() + "): "
          + Files.readString(err));
    }
    Map<String, String> journal = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        journal.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertEquals("postgres", journal.get("WORKMATE_JOURNAL_KIND"), out);
    return new PrivatePostgres(cluster, Map.copyOf(journal));
  }

  Map<String, String> journal() {
    return journal;
  }

  /** Stops the server (fast shutdown), as an outage would; {@link #restart()} brings it back. */
  void stopServer() throws Exception {
    run("stop");
  }

  /** Starts the stopped server again, on the same port and data. */
  void restart() throws Exception {
    run("start");
  }

  private void run(String command) throws Exception {
    Process process = new ProcessBuilder(SCRIPT.toString(), command, cluster.toString())
        .redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(2, TimeUnit.MINUTES), "scripts/postgres " + command);
    assertEquals(0, process.exitValue(), "scripts/postgres " + command + ": " + out);
  }

  @Override
  public void close() throws Exception {
    Process stopped = new ProcessBuilder(SCRIPT.toString(), "stop", cluster.toString())
        .redirectErrorStream(true).start();
    stopped.getInputStream().readAllBytes();
    assertTrue(stopped.waitFor(2, TimeUnit.MINUTES), "scripts/postgres stop did not finish");
  }
}
