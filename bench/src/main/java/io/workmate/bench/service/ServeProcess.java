package io.workmate.bench.service;

import io.workmate.bench.soak.ServiceApi;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real {@code bin/workmate serve} of this checkout in a process of its own: offline, no local
 * gateway, the built-in scripted model provider, on the data dir it is given. bin/workmate execs
 * java, so the process is the service's JVM and {@link #sigterm()} reaches the service itself.
 * Every instance still alive when the bench ends (an exception, Ctrl-C) is killed with its
 * codex processes.
 */
public final class ServeProcess implements AutoCloseable {

  static final Duration START_LIMIT = Duration.ofSeconds(90);
  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)");
  private static final Set<ServeProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ServeProcess::close),
        "kill-serve"));
  }

  /** When the bench sent SIGTERM: the wall clock (to compare with the journal's) and nanos. */
  record Signal(Instant at, long nanos) {}

  private final Process process;
  private final Path stderr;
  private final CompletableFuture<String> banner = new CompletableFuture<>();
  private volatile String url;

  private ServeProcess(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
  }

  /**
   * Starts {@code serve} on {@code data} and waits for its banner (the port is bound);
   * {@code env} adds to the offline defaults. The service's stderr goes to
   * {@code <dir>/serve-<name>.err}.
   *
   * @throws IllegalStateException when the service does not start, with the end of its log
   */
  public static ServeProcess start(Path home, Path dir, String name, Path data,
      Map<String, String> env) throws IOException {
    Path launcher = home.resolve("bin/workmate");
    if (!Files.isExecutable(launcher)
        || !Files.isRegularFile(home.resolve("server/target/lib/workmate-server.jar"))) {
      throw new IllegalStateException(launcher + " is not built (server/target/lib is missing):"
          + " run scripts/bench, which packages the server, or scripts/setup");
    }
    Path err = dir.resolve("serve-" + name + ".err");
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "serve", "--port", "0")
        .directory(dir.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // only the bench's settings: a variable of the caller's shell would change what is measured
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_")
        || key.equals("NOTIFY_SOCKET") || key.startsWith("WATCHDOG_"));
    builder.environment().put("WORKMATE_DATA_DIR", data.toString());
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().putAll(env);
    ServeProcess serve = new ServeProcess(builder.start(), err);
    LIVE.add(serve);
    // reads stdout to its end, so the service never blocks on a full pipe
    Thread pump = new Thread(serve::pump, "serve-" + name + "-stdout");
    pump.setDaemon(true);
    pump.start();
    String first;
    try {
      first = serve.banner.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      first = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      first = null;
    }
    Matcher matcher = URL.matcher(String.valueOf(first));
    if (!matcher.find()) {
      String how = first == null ? serve.process.isAlive() ? "no banner within "
          + START_LIMIT.toSeconds() + " s" : "it ended without a banner"
          : "its first line was: " + first;
      serve.close();
      throw new IllegalStateException("bin/workmate serve (" + name + ") did not start, " + how
          + "\n" + serve.stderrTail());
    }
    serve.url = matcher.group(1);
    return serve;
  }

  /** The banner (the first line) completes {@link #banner}; later lines are not needed. */
  private void pump() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        banner.complete(line);
      }
    } catch (IOException e) {
      // the process is gone; the JDK may close the pipe under the reader at the exit, so the
      // last lines can be lost: nothing here depends on them
    } finally {
      banner.complete(null);
    }
  }

  public ServiceApi client() {
    return new ServiceApi(url);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Polls {@code /v1/ready} until it says 200; an exception with the log when it does not. */
  public void awaitReady() {
    ServiceApi client = client();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    ServiceApi.Answer answer = client.get("/v1/ready");
    while (answer.status() != 200) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("bin/workmate serve did not get ready within "
            + START_LIMIT.toSeconds() + " s: /v1/ready " + answer + "\n" + stderrTail());
      }
      Pause.millis(50);
      answer = client.get("/v1/ready");
    }
  }

  /** SIGTERM to the service's JVM (what systemd sends to stop it). */
  Signal sigterm() {
    Signal signal = new Signal(Instant.now(), System.nanoTime());
    process.destroy();
    return signal;
  }

  /** Waits for the exit; its code and when it was seen, or empty when it did not come. */
  Optional<Exit> awaitExit(Duration limit) {
    Exit exit;
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        return Optional.empty();
      }
      exit = new Exit(process.exitValue(), System.nanoTime());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    return Optional.of(exit);
  }

  /** The exit code and when the bench saw the process end. */
  record Exit(int code, long nanos) {}

  /** SIGTERM and the wait for a clean exit, for a service whose figures are taken. */
  void stop(Duration limit) {
    if (process.isAlive()) {
      sigterm();
      awaitExit(limit);
    }
    close();
  }

  /** The lines of the service's log that contain {@code text}. */
  List<String> stderrLines(String text) {
    try {
      return Files.readAllLines(stderr).stream().filter(line -> line.contains(text)).toList();
    } catch (IOException e) {
      return List.of("(no log at " + stderr + ")");
    }
  }

  String stderrTail() {
    try {
      List<String> lines = Files.readAllLines(stderr);
      return "the service's log (" + stderr + "), last lines:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    } catch (IOException e) {
      return "(no log at " + stderr + ")";
    }
  }

  /** Kills the JVM and the codex processes it started (they lead process groups of their own). */
  @Override
  public void close() {
    LIVE.remove(this);
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> children = process.toHandle().descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
