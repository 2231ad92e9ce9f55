package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of a local cluster: a real {@code bin/workmate serve} of this checkout in cluster
 * mode on the shared PostgreSQL journal, offline, with the echo agent. bin/workmate execs java,
 * so the process is the node's JVM: {@link #kill()} is a SIGKILL to the node itself, nothing in
 * it gets to leave the cluster. Every node still alive when the bench ends is killed.
 */
final class ClusterNode implements AutoCloseable {

  /** How long a node may take to print its banner (it does once it is a member) and get ready. */
  static final Duration START_LIMIT = Duration.ofSeconds(90);
  private static final Pattern URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)");
  private static final Set<ClusterNode> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ClusterNode::close),
        "kill-nodes"));
  }

  /**
   * What a node is, the same across its restarts.
   *
   * @param name its node name (agents are named after it: {@code echo@node-b})
   * @param clusterPort its Artery port
   * @param data its own data dir
   * @param seedNodes the seed list, the same on every node
   * @param env the journal's settings and the bench's others, the same on every node
   */
  record Spec(String name, int clusterPort, Path data, String seedNodes,
      Map<String, String> env) {}

  private final Spec spec;
  private final Process process;
  private final Path log;
  private final CompletableFuture<String> banner = new CompletableFuture<>();
  private volatile String url;

  private ClusterNode(Spec spec, Process process, Path log) {
    this.spec = spec;
    this.process = process;
    this.log = log;
  }

  /**
   * Launches the node without waiting; {@link #awaitBanner()} waits. Its stderr goes to {@code
   * log} (a restart gets a new file, so the log of the killed incarnation stays as it was).
   */
  static ClusterNode launch(Path home, Spec spec, Path log) throws IOException {
    Path launcher = home.resolve("bin/workmate");
    if (!Files.isExecutable(launcher)
        || !Files.isRegularFile(home.resolve("server/target/lib/workmate-server.jar"))) {
      throw new IllegalStateException(launcher + " is not built (server/target/lib is missing):"
          + " run scripts/bench, which packages the server");
    }
    Files.createDirectories(spec.data());
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "serve", "--port", "0")
        .directory(spec.data().toFile())
        .redirectError(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // only the bench's settings: a variable of the caller's shell would change what is measured
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_")
        || key.equals("NOTIFY_SOCKET") || key.startsWith("WATCHDOG_"));
    Map<String, String> env = builder.environment();
    env.putAll(spec.env());
    env.put("WORKMATE_DATA_DIR", spec.data().toString());
    env.put("WORKMATE_CLUSTER_ENABLED", "on");
    env.put("WORKMATE_CLUSTER_HOST", "127.0.0.1");
    env.put("WORKMATE_CLUSTER_PORT", Integer.toString(spec.clusterPort()));
    env.put("WORKMATE_CLUSTER_SEED_NODES", spec.seedNodes());
    env.put("WORKMATE_CLUSTER_NODE_NAME", spec.name());
    env.put("WORKMATE_JOBS_ECHO_AGENT", "on");
    env.put("WORKMATE_MODE", "offline");
    env.put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    env.put("WORKMATE_CODEX_PROCESSES", "1");
    ClusterNode node = new ClusterNode(spec, builder.start(), log);
    LIVE.add(node);
    // reads stdout to its end, so the node never blocks on a full pipe
    Thread pump = new Thread(node::pump, spec.name() + "-stdout");
    pump.setDaemon(true);
    pump.start();
    return node;
  }

  /** Waits for the banner, which serve prints once the node is a member and listens. */
  void awaitBanner() {
    String first;
    try {
      first = banner.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      first = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      first = null;
    }
    Matcher matcher = URL.matcher(String.valueOf(first));
    if (!matcher.find()) {
      if (first == null) {
        awaitExit(Duration.ofSeconds(5)); // stdout ended: the process is on its way out
      }
      String how = first == null ? process.isAlive() ? "no banner within "
          + START_LIMIT.toSeconds() + " s" : "it ended without a banner (exit "
          + process.exitValue() + ")" : "its first line was: " + first;
      close();
      throw new IllegalStateException(spec.name() + " did not start, " + how + "\n"
          + logTail());
    }
    url = matcher.group(1);
  }

  private void pump() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        banner.complete(line);
      }
    } catch (IOException e) {
      // the process is gone; nothing here needs the lines after the banner
    } finally {
      banner.complete(null);
    }
  }

  /** Polls {@code /v1/ready} until 200: a member whose queue is recovered. */
  void awaitReady() {
    ServiceApi api = api();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    ServiceApi.Answer answer = api.get("/v1/ready");
    while (answer.status() != 200) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(spec.name() + " did not get ready within "
            + START_LIMIT.toSeconds() + " s: /v1/ready " + answer + "\n" + logTail());
      }
      Poll.pause(100);
      answer = api.get("/v1/ready");
    }
  }

  Spec spec() {
    return spec;
  }

  String name() {
    return spec.name();
  }

  /** The HTTP base URL, {@code http://127.0.0.1:PORT}. */
  String url() {
    return url;
  }

  ServiceApi api() {
    return new ServiceApi(url);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** When the bench sent SIGKILL: the wall clock (to compare with the nodes') and nanos. */
  record Killed(Instant at, long nanos) {}

  /** SIGKILL to the JVM and whatever it started; when the signal went. */
  Killed kill() {
    List<ProcessHandle> children = process.toHandle().descendants().toList();
    Killed killed = new Killed(Instant.now(), System.nanoTime());
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    awaitExit(Duration.ofSeconds(30));
    LIVE.remove(this);
    return killed;
  }

  /** SIGTERM (a node leaves in order) and the wait for its exit; then a kill if it hangs. */
  void stop() {
    if (process.isAlive()) {
      process.destroy();
      awaitExit(Duration.ofSeconds(60));
    }
    close();
  }

  private void awaitExit(Duration limit) {
    try {
      process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The node's log lines so far. */
  List<String> logLines() {
    try {
      return Files.readAllLines(log);
    } catch (IOException e) {
      return List.of();
    }
  }

  String logTail() {
    List<String> lines = logLines();
    return spec.name() + "'s log (" + log + "), last lines:\n  "
        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
  }

  /** Kills the JVM and its children, if it still runs. */
  @Override
  public void close() {
    LIVE.remove(this);
    if (process.isAlive()) {
      List<ProcessHandle> children = process.toHandle().descendants().toList();
      process.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      awaitExit(Duration.ofSeconds(30));
    }
  }
}
