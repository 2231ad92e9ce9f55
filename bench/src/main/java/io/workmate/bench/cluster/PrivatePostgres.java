package io.workmate.bench.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL of its own for one cluster, from {@code scripts/postgres} (Debian's server run
 * as its {@code postgres} user when we are root): a fresh database per cluster, so every cluster
 * starts from an empty journal and a run does not pay for the jobs of the runs before it (a job
 * shard recovers its whole history when it starts or moves).
 */
final class PrivatePostgres implements AutoCloseable {

  private static final Set<PrivatePostgres> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    // a server left running would hold its port and memory after the bench died
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(PrivatePostgres::close),
        "stop-postgres"));
  }

  private final Path script;
  private final Path dir;
  private final Map<String, String> env;
  private boolean running = true;

  private PrivatePostgres(Path script, Path dir, Map<String, String> env) {
    this.script = script;
    this.dir = dir;
    this.env = env;
  }

  /**
   * Starts a new server in {@code dir} and reads the settings it prints ({@code
   * WORKMATE_JOURNAL_*}).
   */
  static PrivatePostgres start(Path home, Path dir) throws IOException {
    Path script = home.resolve("scripts/postgres");
    List<String> lines = run(script, "start", dir);
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : lines) {
      int equals = line.indexOf('=');
      if (line.startsWith("WORKMATE_") && equals > 0) {
        env.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    if (!env.containsKey("WORKMATE_JOURNAL_POSTGRES_URL")) {
      throw new IllegalStateException("scripts/postgres start " + dir + " printed no settings: "
          + lines);
    }
    PrivatePostgres postgres = new PrivatePostgres(script, dir, env);
    RUNNING.add(postgres);
    return postgres;
  }

  /** The {@code WORKMATE_JOURNAL_*} settings that point a node at this database. */
  Map<String, String> env() {
    return env;
  }

  String url() {
    return env.get("WORKMATE_JOURNAL_POSTGRES_URL");
  }

  /**
   * CPU ticks the server has used so far: the postmaster, its live backends, and the backends
   * it has reaped (a node's health check opens a connection of its own every 2 s). -1 when the
   * server's pid is unreadable.
   */
  long cpuTicks() {
    long postmaster;
    try {
      postmaster = Long.parseLong(Files.readAllLines(dir.resolve("data/postmaster.pid")).get(0)
          .trim());
    } catch (IOException | RuntimeException unreadable) {
      return -1;
    }
    return ProcessHandle.of(postmaster).map(server -> ProcessMemory.cpuTicks(server.pid(), true)
        + server.children().mapToLong(backend -> Math.max(0,
            ProcessMemory.cpuTicks(backend.pid(), false))).sum()).orElse(-1L);
  }

  /** Stops the server (fast shutdown); its data stays in the dir. */
  @Override
  public synchronized void close() {
    RUNNING.remove(this);
    if (!running) {
      return;
    }
    running = false;
    try {
      run(script, "stop", dir);
    } catch (IOException | RuntimeException e) {
      System.err.println("bench: could not stop the PostgreSQL in " + dir + ": " + e.getMessage());
    }
  }

  /** Runs the script; its stdout lines, or an exception with its stderr. */
  private static List<String> run(Path script, String command, Path dir) throws IOException {
    Path err = Files.createTempFile("workmate-bench-postgres", ".err");
    try {
      Process process = new ProcessBuilder(script.toString(), command, dir.toString())
          .redirectError(err.toFile()).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("scripts/postgres " + command + " " + dir + " failed:\n"
            + Files.readString(err));
      }
      return out.lines().toList();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
