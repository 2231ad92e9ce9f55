package io.workmate.gateway.testkit;

import static org.awaitility.Awaitility.await;

import io.workmate.gateway.PinnedCertificate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.nativeos.ProcessControl;
import io.workmate.protocol.responses.ScriptedProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real OpenClaw gateway ({@code openclaw gateway run}) for tests: Node 24 and the pinned
 * package from {@code .tools/}, an isolated home/state/temp dir, a token, a JSON config whose only
 * model is Workmate's {@link ScriptedProvider}, and a readiness check that completes a real
 * protocol handshake. Starting one takes about half a minute and a gigabyte of memory, so suites
 * share {@link #shared()} and start their own only when they must (TLS, crash tests).
 *
 * <p>Directory layout: {@code <dir>/gateway.log} (stdout and stderr of every start), {@code
 * <dir>/openclaw.log} (OpenClaw's file log), {@code <dir>} as HOME and OPENCLAW_HOME, {@code
 * <dir>/.openclaw} as OPENCLAW_STATE_DIR with {@code openclaw.json}, {@code <dir>/tmp} as TMPDIR
 * (Node's compile cache).
 */
public final class OpenClawGateway implements AutoCloseable {

  /** Exit status of a gateway that rejected its configuration (EX_CONFIG). */
  public static final int EXIT_CONFIG_ERROR = 78;
  /** 120 s; {@code -Dopenclaw.start-timeout-seconds} raises it on a crowded machine. */
  public static final Duration DEFAULT_START_TIMEOUT =
      Duration.ofSeconds(Long.getLong("openclaw.start-timeout-seconds", 120));

  private static final Logger log = LoggerFactory.getLogger(OpenClawGateway.class);
  /** SIGTERM to exit measured 4.9 s; anything still alive after this is killed. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(300);
  private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(2);
  private static final int LOG_TAIL_LINES = 40;
  /** Inherited by every process of the gateway's tree, so leftovers can be found in /proc. */
  private static final String MARKER_ENV = "WORKMATE_OPENCLAW_GATEWAY_DIR";
  /** Where the gateway writes the self-signed pair it generates, relative to the state dir. */
  private static final Path GENERATED_CERT = Path.of("gateway/tls/gateway-cert.pem");

  private static OpenClawGateway shared;
  private static Throwable sharedFailure;

  private final OpenClawInstall install;
  private final Path dir;
  private final boolean ownsDir;
  private final int port;
  private final String token;
  private final boolean tls;
  private final ObjectNode extraConfig;
  private final ScriptedProvider provider;
  private final boolean ownsProvider;
  private final Duration startTimeout;

  private Process process;
  private Duration lastStartupTime;
  /** A failed start keeps even a temp directory: its log and config are the diagnosis. */
  private boolean failedStart;
  private boolean closed;

  private OpenClawGateway(Builder builder, OpenClawInstall install) {
    this.install = install;
    this.ownsDir = builder.directory == null;
    this.dir = ownsDir ? createTempDir() : builder.directory;
    this.port = builder.port > 0 ? builder.port : freeLoopbackPort();
    this.token = builder.token != null ? builder.token : "test-token-" + UUID.randomUUID();
    this.tls = builder.tls;
    this.extraConfig = builder.extraConfig;
    this.ownsProvider = builder.provider == null;
    this.provider = ownsProvider ? ScriptedProvider.start() : builder.provider;
    this.startTimeout = builder.startTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The gateway all suites of this test JVM share: started on first use, restarted if it died,
   * stopped by a shutdown hook. Do not stop, kill or reconfigure it; steer its model with prompt
   * directives (not the provider's queue or script, which other tests would see) and use unique
   * session keys.
   */
  public static synchronized OpenClawGateway shared() {
    if (sharedFailure != null) {
      throw new AssertionError("the shared OpenClaw gateway failed to start earlier in this JVM: "
          + sharedFailure.getMessage(), sharedFailure);
    }
    try {
      if (shared == null) {
        OpenClawGateway gateway = builder().build();
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "openclaw-gateway-stop"));
        shared = gateway;
      }
      if (!shared.isRunning()) {
        shared.start();
      }
      return shared;
    } catch (RuntimeException | Error failed) {
      sharedFailure = failed;
      throw failed;
    }
  }

  /** Starts the gateway and returns once a client completes the handshake (or fails). */
  public synchronized OpenClawGateway start() {
    if (closed) {
      throw new IllegalStateException("this gateway fixture is closed");
    }
    if (isRunning()) {
      throw new IllegalStateException("the gateway is already running on " + url());
    }
    if (process != null) {
      // It died on its own; its workers may have outlived it.
      killStragglers();
    }
    GatewayConfig.write(configPath(), GatewayConfig.render(port, token, tls, provider.baseUrl(),
        openClawLogFile(), extraConfig));
    Instant begin = Instant.now();
    process = launch();
    try {
      awaitReady(begin.plus(startTimeout));
    } catch (RuntimeException | Error notReady) {
      kill();
      failedStart = true;
      throw notReady;
    }
    lastStartupTime = Duration.between(begin, Instant.now());
    log.info("OpenClaw gateway ready on {} in {} ms (pid {}, dir {})", url(),
        lastStartupTime.toMillis(), process.pid(), dir);
    return this;
  }

  /** Asks the gateway to shut down (SIGTERM), then kills whatever of its tree is left. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> tree = processTree();
    process.destroy();
    awaitExit(process.toHandle(), STOP_GRACE);
    destroyForcibly(tree);
    killStragglers();
    process = null;
  }

  /** A crash: SIGKILL to the gateway and its node children, no shutdown event, no cleanup. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    destroyForcibly(processTree());
    killStragglers();
    process = null;
  }

  /** Stops the gateway if it runs and starts it again with the same port, token and state. */
  public synchronized OpenClawGateway restart() {
    stop();
    return start();
  }

  /**
   * Ends the gateway and releases what this fixture made: its provider and its temp directory
   * (kept when a start failed, since the failure message points into it). A gateway in a temp
   * directory is killed, since its state is deleted anyway and a graceful stop takes 5-20 s; one
   * in a caller's directory is stopped gracefully so its state can be reused.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    if (ownsDir) {
      kill();
    } else {
      stop();
    }
    closed = true;
    if (ownsProvider) {
      provider.close();
    }
    if (ownsDir && !failedStart) {
      deleteRecursively(dir);
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** {@code ws://127.0.0.1:PORT}, or {@code wss://…} with TLS. */
  public URI url() {
    return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  public String token() {
    return token;
  }

  public ScriptedProvider provider() {
    return provider;
  }

  public boolean tls() {
    return tls;
  }

  /**
   * SHA-256 (lower-case hex) of the certificate the TLS listener serves, read from the file the
   * gateway generated; stays the same across {@link #restart()}.
   */
  public String certificateSha256() {
    if (!tls) {
      throw new IllegalStateException("this gateway runs without TLS");
    }
    return PinnedCertificate.sha256(readCertificate(certificateFile()));
  }

  /** A TLS context that trusts exactly this gateway's certificate (for {@code wss://}). */
  public SSLContext pinnedSslContext() {
    return PinnedCertificate.sslContext(certificateSha256());
  }

  /** Opens a WebSocket to the gateway (trusting its pinned certificate under TLS). */
  public GatewaySocket openSocket(Duration timeout) {
    return GatewaySocket.open(url(), tls ? pinnedSslContext() : null, timeout);
  }

  public Path directory() {
    return dir;
  }

  public Path stateDir() {
    return dir.resolve(".openclaw");
  }

  public Path configPath() {
    return stateDir().resolve("openclaw.json");
  }

  public Path certificateFile() {
    return stateDir().resolve(GENERATED_CERT);
  }

  /** stdout and stderr of every start of this gateway, appended. */
  public Path logFile() {
    return dir.resolve("gateway.log");
  }

  /** OpenClaw's own, more detailed log file (JSON lines). */
  public Path openClawLogFile() {
    return dir.resolve("openclaw.log");
  }

  /** The last {@code lines} lines of {@link #logFile()}, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = List.of(
          new String(Files.readAllBytes(logFile()), StandardCharsets.UTF_8).split("\n"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException unreadable) {
      return "(no gateway log at " + logFile() + ": " + unreadable + ")";
    }
  }

  /** How long the last successful {@link #start()} took until the handshake succeeded. */
  public Duration lastStartupTime() {
    return lastStartupTime;
  }

  /** The gateway's main process id; fails when it is not running. */
  public long pid() {
    Process running = process;
    if (running == null) {
      throw new IllegalStateException("the gateway is not running");
    }
    return running.pid();
  }

  private Process launch() {
    ProcessBuilder builder = new ProcessBuilder(install.node().toString(),
        install.launcher().toString(), "gateway", "run", "--port", String.valueOf(port),
        "--bind", "loopback");
    builder.directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      Files.createDirectories(dir.resolve("tmp"));
      Files.writeString(logFile(), "=== workmate: starting openclaw gateway on port " + port
          + " at " + Instant.now() + " ===\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + install.node() + " " + install.launcher(), e);
    }
  }

  /**
   * Only what the gateway needs: nothing of the developer's environment (API keys, OPENCLAW_*)
   * leaks in, and what it writes stays in its directory. The one exception is an empty {@code
   * /tmp/openclaw}: OpenClaw prefers that temp root whatever TMPDIR says.
   */
  private Map<String, String> environment() {
    Map<String, String> env = new TreeMap<>();
    String inheritedPath = Objects.requireNonNullElse(System.getenv("PATH"), "/usr/bin:/bin");
    // Node 24 first: OpenClaw starts helper node processes through PATH.
    env.put("PATH", install.nodeBinDir() + File.pathSeparator + inheritedPath);
    env.put("LANG", "C.UTF-8");
    env.put(MARKER_ENV, dir.toString());
    env.put("HOME", dir.toString());
    env.put("OPENCLAW_HOME", dir.toString());
    env.put("OPENCLAW_STATE_DIR", stateDir().toString());
    env.put("OPENCLAW_CONFIG_PATH", configPath().toString());
    env.put("TMPDIR", dir.resolve("tmp").toString());
    // The embedding preset (docs/gateway/embedding.md) plus no update check and no cron jobs,
    // whose heartbeat would call the model in the background.
    env.put("OPENCLAW_DISABLE_BONJOUR", "1");
    env.put("OPENCLAW_NO_RESPAWN", "1");
    env.put("OPENCLAW_SKIP_CHANNELS", "1");
    env.put("OPENCLAW_EXEC_SHELL_SNAPSHOT", "0");
    env.put("OPENCLAW_NO_AUTO_UPDATE", "1");
    env.put("OPENCLAW_SKIP_CRON", "1");
    return env;
  }

  /**
   * Polls the real handshake until {@code hello-ok}. The port opens about 20 s into a start and
   * {@code connect} answers UNAVAILABLE ("startup-sidecars") for a few seconds after that.
   */
  private void awaitReady(Instant deadline) {
    AtomicReference<HandshakeAttempt> last = new AtomicReference<>(
        HandshakeAttempt.retry("the port never accepted a connection", RETRY_PAUSE));
    Duration left = Duration.between(Instant.now(), deadline);
    try {
      // each attempt says how long to wait before the next (the gateway's retryAfterMs)
      await().atMost(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left)
          .pollDelay(Duration.ZERO).pollInterval((polls, previous) -> last.get().retryAfter())
          .until(() -> {
            if (!process.isAlive()) {
              throw notReady(exitDescription(process.exitValue()));
            }
            HandshakeAttempt attempt = tryHandshake();
            if (attempt.fatal()) {
              throw notReady(attempt.detail());
            }
            last.set(attempt);
            return attempt.ready();
          });
    } catch (ConditionTimeoutException timedOut) {
      throw notReady("not ready within " + startTimeout.toSeconds() + " s; last attempt: "
          + last.get().detail());
    }
  }

  /** One outcome of a readiness probe. */
  private record HandshakeAttempt(boolean ready, boolean fatal, String detail,
      Duration retryAfter) {

    static HandshakeAttempt helloOk() {
      return new HandshakeAttempt(true, false, "hello-ok", Duration.ZERO);
    }

    static HandshakeAttempt retry(String detail, Duration after) {
      return new HandshakeAttempt(false, false, detail, after);
    }

    static HandshakeAttempt fatal(String detail) {
      return new HandshakeAttempt(false, true, detail, Duration.ZERO);
    }
  }

  private HandshakeAttempt tryHandshake() {
    if (tls && !Files.isRegularFile(certificateFile())) {
      return HandshakeAttempt.retry("no generated certificate yet at " + certificateFile(),
          RETRY_PAUSE);
    }
    try (GatewaySocket socket = openSocket(PROBE_TIMEOUT)) {
      return judge(socket.handshake(token, PROBE_TIMEOUT));
    } catch (UncheckedIOException | GatewaySocket.FrameNotReceived notYet) {
      return HandshakeAttempt.retry(String.valueOf(notYet.getMessage()), RETRY_PAUSE);
    }
  }

  private static HandshakeAttempt judge(JsonNode response) {
    if (response.path("ok").asBoolean() && "hello-ok".equals(
        response.path("payload").path("type").asText())) {
      return HandshakeAttempt.helloOk();
    }
    JsonNode error = response.path("error");
    if ("UNAVAILABLE".equals(error.path("code").asText())) {
      long wait = error.path("retryAfterMs").asLong(RETRY_PAUSE.toMillis());
      Duration pause = Duration.ofMillis(Math.min(Math.max(wait, 50), MAX_RETRY_PAUSE.toMillis()));
      return HandshakeAttempt.retry("UNAVAILABLE: " + error.path("message").asText(), pause);
    }
    // Anything else (a token mismatch, a protocol mismatch) will not change by waiting.
    return HandshakeAttempt.fatal("the handshake was refused: " + response);
  }

  private static String exitDescription(int status) {
    String meaning = status == EXIT_CONFIG_ERROR
        ? " (78 = configuration error: OpenClaw rejected the generated config)"
        : "";
    return "the gateway exited with status " + status + meaning + " before it was ready";
  }

  private AssertionError notReady(String why) {
    return new AssertionError("OpenClaw gateway on " + url() + " did not become ready: " + why
        + "\nconfig: " + configPath() + "\nlast " + LOG_TAIL_LINES + " lines of " + logFile()
        + ":\n" + logTail(LOG_TAIL_LINES));
  }

  /**
   * Kills processes that still carry this gateway's environment marker: workers whose parent died
   * first are re-parented and invisible to {@code descendants()}.
   */
  private void killStragglers() {
    if (ProcessControl.isSupported()) {
      ProcessControl.killByEnvironment(MARKER_ENV, dir.toString());
    }
  }

  /** The gateway and its node children (it forks workers), children first. */
  private List<ProcessHandle> processTree() {
    List<ProcessHandle> tree = new ArrayList<>();
    process.toHandle().descendants().forEach(tree::add);
    tree.add(process.toHandle());
    return tree;
  }

  /**
   * SIGKILL to every process of a tree captured beforehand: once the parent is gone its children
   * are re-parented and {@code descendants()} no longer finds them.
   */
  private static void destroyForcibly(List<ProcessHandle> tree) {
    tree.forEach(ProcessHandle::destroyForcibly);
    tree.forEach(handle -> awaitExit(handle, Duration.ofSeconds(10)));
  }

  private static void awaitExit(ProcessHandle handle, Duration timeout) {
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException stillAlive) {
      // the caller escalates (or, after SIGKILL, there is nothing more to do)
    } catch (ExecutionException impossible) {
      // onExit never completes exceptionally
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A port free right now on 127.0.0.1 (the gateway binds it moments later). */
  private static int freeLoopbackPort() {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free loopback port", e);
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("openclaw-gateway-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for the gateway", e);
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException bestEffort) {
      // a leftover temp dir is not worth failing a test run for
    }
  }

  /** Options of a gateway; unset values get defaults (free port, random token, no TLS). */
  public static final class Builder {

    private int port;
    private String token;
    private boolean tls;
    private ObjectNode extraConfig;
    private ScriptedProvider provider;
    private Path directory;
    private Duration startTimeout = DEFAULT_START_TIMEOUT;

    private Builder() {}

    /** The port to listen on; default a free one. */
    public Builder port(int port) {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be 1-65535, got " + port);
      }
      this.port = port;
      return this;
    }

    public Builder token(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank");
      }
      this.token = token;
      return this;
    }

    /** TLS with a self-signed pair the gateway generates: {@code wss://}, pinned fingerprint. */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Merged into the generated config (objects key by key, other values replace). */
    public Builder extraConfig(ObjectNode extraConfig) {
      this.extraConfig = extraConfig.deepCopy();
      return this;
    }

    /** Use this provider (the caller closes it); default a fresh one the fixture owns. */
    public Builder provider(ScriptedProvider provider) {
      this.provider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Use this directory for home, state, temp files and the log (kept); default a temp dir. */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
      return this;
    }

    /** A gateway ready to {@link OpenClawGateway#start()}; fails when the tools are missing. */
    public OpenClawGateway build() {
      return new OpenClawGateway(this, OpenClawInstall.locate());
    }

    /** {@link #build()} and {@link OpenClawGateway#start()}. */
    public OpenClawGateway start() {
      OpenClawGateway gateway = build();
      try {
        return gateway.start();
      } catch (RuntimeException | Error failed) {
        gateway.close();
        throw failed;
      }
    }
  }

  /** Reads the first certificate of a PEM (or DER) file. */
  private static java.security.cert.X509Certificate readCertificate(Path file) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificate(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read certificate " + file, e);
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalStateException("not an X.509 certificate: " + file, e);
    }
  }
}
