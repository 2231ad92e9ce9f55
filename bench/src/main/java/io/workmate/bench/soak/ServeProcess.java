package io.workmate.bench.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/workmate serve} in a process of its own, on the soak's data dir: offline, no local
 * gateway, the echo agent on, the scripted model provider started by the service itself. The
 * soak's point is the kill: {@link #kill()} sends SIGKILL to the service's JVM (not to a
 * wrapper around it), so nothing in the service gets to flush or shut down.
 */
final class ServeProcess implements AutoCloseable {

  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)");
  private static final Duration START_LIMIT = Duration.ofSeconds(90);

  private final Process process;
  private final ProcessHandle jvm;
  private final Path stderr;
  private final ServiceApi api;

  private ServeProcess(Process process, ProcessHandle jvm, Path stderr, ServiceApi api) {
    this.process = process;
    this.jvm = jvm;
    this.stderr = stderr;
    this.api = api;
  }

  /** Starts the service and waits until {@code /v1/ready} answers 200. */
  static ServeProcess start(Path home, Path data, Path stderr) throws IOException {
    Path launcher = home.resolve("bin/workmate");
    if (!Files.isExecutable(launcher) || !Files.isDirectory(home.resolve("server/target/lib"))) {
      throw new IllegalStateException(launcher + " is not built (server/target/lib is missing): "
          + "run scripts/setup first");
    }
    Files.createDirectories(stderr.getParent());
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "serve", "--port", "0",
        "--data", data.toString())
        .directory(data.toFile())
        .redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    // only the soak's settings: a WORKMATE_* variable of the caller's shell would change what
    // is measured (another journal, a gateway the service would dial)
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_JOBS_ECHO_AGENT", "on");
    builder.environment().put("WORKMATE_JOBS_MAX_CONCURRENT", "8");
    Process process = builder.start();
    ProcessHandle jvm = findJvm(process);
    String url = awaitBanner(process, stderr);
    ServeProcess serve = new ServeProcess(process, jvm, stderr, new ServiceApi(url));
    serve.awaitReady();
    return serve;
  }

  /**
   * The H2 jar bin/workmate runs (the soak's result depends on its version). More than one
   * means a stale build (copy-dependencies never removes a jar): which one wins is unknown.
   */
  static String h2Jar(Path home) throws IOException {
    List<String> jars;
    try (var files = Files.list(home.resolve("server/target/lib"))) {
      jars = files.map(f -> f.getFileName().toString())
          .filter(name -> name.startsWith("h2-") && name.endsWith(".jar")).sorted().toList();
    }
    if (jars.size() != 1) {
      throw new IllegalStateException("server/target/lib must hold exactly one H2 jar, it holds "
          + jars + ": remove the stale one (or mvn clean package)");
    }
    return jars.get(0);
  }

  ServiceApi api() {
    return api;
  }

  Path stderr() {
    return stderr;
  }

  /**
   * SIGKILL to the JVM; answers when it is gone. The codex app-servers it started lead process
   * groups of their own and would outlive it: they are ended afterwards, so they do not pile up
   * over the cycles (the crash itself was the JVM's).
   */
  Instant kill() {
    List<ProcessHandle> children = jvm.descendants().toList();
    Instant at = Instant.now();
    jvm.destroyForcibly();
    awaitExit(jvm);
    children.forEach(ProcessHandle::destroyForcibly);
    children.forEach(ServeProcess::awaitExit);
    awaitExit(process.toHandle());
    return at;
  }

  /** SIGTERM, for the end of a run: the service stops cleanly. */
  @Override
  public void close() {
    if (jvm.isAlive()) {
      List<ProcessHandle> children = jvm.descendants().toList();
      jvm.destroy();
      try {
        jvm.onExit().get(60, TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        jvm.destroyForcibly();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    // the program polls here on purpose: recovery time is part of what a cycle shows
    while (!api.get("/v1/ready").is(200)) {
      if (!jvm.isAlive() || System.nanoTime() > deadline) {
        jvm.destroyForcibly();
        throw new IllegalStateException("the service did not get ready within " + START_LIMIT
            + ": " + api.get("/v1/ready") + "\n" + tail(stderr));
      }
      pause(Duration.ofMillis(100));
    }
  }

  /** bin/workmate execs java, so the process is the JVM; a wrapper would have it as a child. */
  private static ProcessHandle findJvm(Process process) {
    ProcessHandle self = process.toHandle();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (isJava(self)) {
        return self;
      }
      var child = self.children().filter(ServeProcess::isJava).findFirst();
      if (child.isPresent()) {
        return child.get();
      }
      pause(Duration.ofMillis(20));
    }
    process.destroyForcibly();
    throw new IllegalStateException("no java process under bin/workmate serve (pid "
        + process.pid() + ")");
  }

  private static boolean isJava(ProcessHandle handle) {
    return handle.info().command().map(c -> Path.of(c).getFileName().toString().equals("java"))
        .orElse(false);
  }

  private static String awaitBanner(Process process, Path stderr) throws IOException {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> banner = CompletableFuture.supplyAsync(() -> {
      try {
        return reader.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = banner.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      line = null;
    }
    Matcher url = URL.matcher(String.valueOf(line));
    if (!url.find()) {
      process.destroyForcibly();
      throw new IllegalStateException("the service did not start (first line: " + line + ")\n"
          + tail(stderr));
    }
    // keep reading stdout, so the service never blocks on a full pipe
    Thread drain = new Thread(() -> {
      try {
        reader.transferTo(java.io.Writer.nullWriter());
      } catch (IOException e) {
        // the process ended
      }
    }, "serve-stdout");
    drain.setDaemon(true);
    drain.start();
    return url.group(1);
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no " + file + ")";
    }
  }

  private static void awaitExit(ProcessHandle handle) {
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("process " + handle.pid() + " did not end after SIGKILL");
    }
  }

  static void pause(Duration time) {
    try {
      Thread.sleep(time.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
