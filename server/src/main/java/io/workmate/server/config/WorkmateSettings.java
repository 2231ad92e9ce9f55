package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import io.workmate.codex.ApprovalHandling;
import io.workmate.codex.CommandLimits;
import io.workmate.support.Backoff;
import io.workmate.codex.config.McpServer;
import io.workmate.jobs.JobLedger;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.runtime.Mode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The typed, validated view of the {@code workmate} config tree. {@link #from} reports every
 * problem at once, each naming its key, so one run of the CLI shows everything to fix.
 */
public record WorkmateSettings(
    Path dataDir,
    Gateway gateway,
    Codex codex,
    String scriptedProviderHost,
    int scriptedProviderPort,
    Runtime runtime,
    Http http,
    Jobs jobs,
    Memory memory,
    Service service) {

  /**
   * Running as a service ({@code workmate.service}).
   *
   * @param drainTimeout how long running attempts may finish after SIGTERM before they are
   *     interrupted and requeued without spending an attempt
   * @param statusInterval how often {@code STATUS=} goes to systemd
   * @param testHooks whether the test-only routes that stall the dispatcher are open
   */
  public record Service(Duration drainTimeout, Duration statusInterval, boolean testHooks) {}

  /**
   * Agent memory's cloud sync ({@code workmate.memory}).
   *
   * @param targets Workmate agent id → the OpenClaw agent whose {@code MEMORY.md} gets its memory
   * @param defaultTarget the OpenClaw agent of the Workmate agents not in {@code targets}
   */
  public record Memory(Map<String, String> targets, String defaultTarget) {}

  /** The mode and the OpenClaw gateways. */
  public record Runtime(Mode mode, Optional<URI> localUrl, Optional<URI> remoteUrl,
      Optional<String> remoteFingerprint, Secret token, String agentId, Duration connectTimeout,
      Duration requestTimeout, Backoff reconnectBackoff, Duration stableFor,
      Duration maxStableFor, Duration flapWindow, Duration reattachWindow) {}

  /**
   * The job queue ({@code workmate.jobs}).
   *
   * @param maxConcurrent attempts the default codex agent runs at once
   * @param rateLimitPerMinute attempts it may start per minute (0 = no limit)
   * @param backoff the delay between the attempts of a job
   * @param defaultMaxAttempts a job's attempts when its request names none
   * @param defaultTimeout one attempt's limit when its request names none
   * @param echoAgent whether the no-op agent {@code echo} is offered too
   * @param ledgerWriteInterval the least time between two journal writes of the job ledger
   */
  public record Jobs(int maxConcurrent, int rateLimitPerMinute, Backoff backoff,
      int defaultMaxAttempts, Duration defaultTimeout, boolean echoAgent,
      Duration ledgerWriteInterval) {}

  /** The HTTP API. */
  public record Http(String host, int port, Secret token) {}

  /** The AI gateway; empty url = use the scripted provider. */
  public record Gateway(Optional<URI> url, Secret key, String model, String providerName,
      int requestMaxRetries, int streamMaxRetries, Duration streamIdleTimeout) {

    public boolean configured() {
      return url.isPresent();
    }
  }

  public record Codex(Optional<Path> binary, int processes, SandboxMode sandbox,
      ApprovalPolicy approvalPolicy, Duration requestTimeout, Duration initializeTimeout,
      Duration turnWatchdog, Backoff restartBackoff, ApprovalHandling approvals,
      Map<String, McpServer> mcpServers, Map<String, CommandLimits> limits) {}

  public static WorkmateSettings from(Config config, Map<String, String> environment) {
    Problems problems = new Problems();
    Path dataDir = DataDir.resolve(config, environment);
    Gateway gateway = gateway(config, problems);
    Codex codex = codex(config, problems);
    String host = problems.read("workmate.scripted-provider.host",
        () -> config.getString("workmate.scripted-provider.host"), "127.0.0.1");
    int port = problems.read("workmate.scripted-provider.port",
        () -> config.getInt("workmate.scripted-provider.port"), 0);
    if (port < 0 || port > 65535) {
      problems.add("workmate.scripted-provider.port must be within 0..65535, got " + port);
    }
    Runtime runtime = runtime(config, problems);
    Http http = http(config, problems);
    Jobs jobs = jobs(config, problems);
    Service service = service(config, problems);
    Memory memory = memory(config, problems);
    UnknownSettings.in(config).forEach(problems::add);
    problems.throwIfAny();
    return new WorkmateSettings(dataDir, gateway, codex, host, port, runtime, http, jobs,
        memory, service);
  }

  private static Runtime runtime(Config config, Problems problems) {
    String prefix = "workmate.openclaw.";
    Mode mode = problems.read("workmate.mode", () -> Mode.parse(config.getString("workmate.mode")),
        Mode.AUTO);
    Optional<URI> local = gatewayUrl(config, problems, prefix + "local-url");
    Optional<URI> remote = gatewayUrl(config, problems, prefix + "remote-url");
    String fingerprint = problems.read(prefix + "remote-fingerprint",
        () -> config.getString(prefix + "remote-fingerprint"), "");
    if (!fingerprint.isBlank()) {
      String hex = fingerprint.replace(":", "").toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        problems.add(prefix + "remote-fingerprint must be a SHA-256 fingerprint (64 hex digits, "
            + "colons allowed)");
      } else if (remote.isPresent() && !"wss".equals(remote.get().getScheme())) {
        problems.add(prefix + "remote-fingerprint needs a wss:// remote-url");
      }
    }
    Duration backoffMin = positive(problems, prefix + "reconnect-backoff.min", config,
        Duration.ofMillis(250));
    Duration backoffMax = positive(problems, prefix + "reconnect-backoff.max", config,
        Duration.ofSeconds(5));
    Backoff backoff = problems.read(prefix + "reconnect-backoff",
        () -> new Backoff(backoffMin, backoffMax, 2.0, 0.2), Backoff.defaults());
    return new Runtime(mode, local, remote,
        fingerprint.isBlank() ? Optional.empty() : Optional.of(fingerprint),
        new Secret(problems.read(prefix + "token", () -> config.getString(prefix + "token"), "")),
        problems.read(prefix + "agent-id", () -> config.getString(prefix + "agent-id"), "main"),
        positive(problems, prefix + "connect-timeout", config, Duration.ofSeconds(10)),
        positive(problems, prefix + "request-timeout", config, Duration.ofSeconds(30)), backoff,
        positive(problems, prefix + "stable-for", config, Duration.ofSeconds(3)),
        positive(problems, prefix + "max-stable-for", config, Duration.ofSeconds(60)),
        positive(problems, prefix + "flap-window", config, Duration.ofSeconds(30)),
        positive(problems, prefix + "reattach-window", config, Duration.ofSeconds(10)));
  }

  private static Optional<URI> gatewayUrl(Config config, Problems problems, String key) {
    String value = problems.read(key, () -> config.getString(key), "");
    return value.isBlank() ? Optional.empty() : parseUrl(key, value, "ws", "wss",
        "a ws:// or wss:// URL such as ws://127.0.0.1:18789", problems);
  }

  private static Http http(Config config, Problems problems) {
    String host = problems.read("workmate.http.host",
        () -> config.getString("workmate.http.host"), "127.0.0.1");
    int port = problems.read("workmate.http.port", () -> config.getInt("workmate.http.port"),
        8420);
    if (port < 0 || port > 65535) {
      problems.add("workmate.http.port must be within 0..65535, got " + port);
    }
    Secret token = new Secret(problems.read("workmate.http.token",
        () -> config.getString("workmate.http.token"), ""));
    return new Http(host, port, token);
  }

  private static final java.util.regex.Pattern MEMORY_AGENT =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private static Memory memory(Config config, Problems problems) {
    String targetsKey = "workmate.memory.targets";
    String defaultKey = "workmate.memory.default-target";
    String pairs = problems.read(targetsKey, () -> config.getString(targetsKey), "");
    String defaultTarget = problems.read(defaultKey, () -> config.getString(defaultKey), "main");
    if (!MEMORY_AGENT.matcher(defaultTarget).matches()) {
      problems.add(defaultKey + " must be an agent id (letters, digits, '.', '_', '-'), got '"
          + defaultTarget + "'");
    }
    Map<String, String> targets = new java.util.LinkedHashMap<>();
    for (String pair : pairs.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] sides = pair.trim().split("=", -1);
      if (sides.length != 2 || !MEMORY_AGENT.matcher(sides[0].trim()).matches()
          || !MEMORY_AGENT.matcher(sides[1].trim()).matches()) {
        problems.add(targetsKey + " must be comma-separated workmate-agent=openclaw-agent pairs;"
            + " '" + pair.trim() + "' is not one");
        continue;
      }
      targets.put(sides[0].trim(), sides[1].trim());
    }
    return new Memory(Map.copyOf(targets), defaultTarget);
  }

  private static Jobs jobs(Config config, Problems problems) {
    String prefix = "workmate.jobs.";
    int maxConcurrent = within(problems, config, prefix + "max-concurrent", 1, 1024, 4);
    int rateLimit = within(problems, config, prefix + "rate-limit-per-minute", 0, 1_000_000, 0);
    Duration initial = positive(problems, prefix + "backoff.initial", config,
        Duration.ofSeconds(1));
    Duration max = positive(problems, prefix + "backoff.max", config, Duration.ofSeconds(60));
    double multiplier = problems.read(prefix + "backoff.multiplier",
        () -> config.getDouble(prefix + "backoff.multiplier"), 2.0);
    double jitter = problems.read(prefix + "backoff.jitter",
        () -> config.getDouble(prefix + "backoff.jitter"), 0.2);
    Backoff backoff = problems.read(prefix + "backoff",
        () -> new Backoff(initial, max, multiplier, jitter), Backoff.defaults());
    int maxAttempts = within(problems, config, prefix + "default-max-attempts", 1, 100, 3);
    Duration timeout = positive(problems, prefix + "default-timeout", config,
        Duration.ofMinutes(10));
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
      problems.add(prefix + "default-timeout must be within 1s..1d, got " + timeout);
    }
    boolean echo = problems.read(prefix + "echo-agent",
        () -> config.getBoolean(prefix + "echo-agent"), false);
    Duration writeInterval = problems.read(prefix + "ledger-write-interval",
        () -> config.getDuration(prefix + "ledger-write-interval"),
        JobLedger.DEFAULT_WRITE_INTERVAL);
    if (writeInterval.isNegative() || writeInterval.compareTo(Duration.ofSeconds(1)) > 0) {
      problems.add(prefix + "ledger-write-interval must be within 0..1s, got " + writeInterval);
    }
    return new Jobs(maxConcurrent, rateLimit, backoff, maxAttempts, timeout, echo,
        writeInterval);
  }

  private static Service service(Config config, Problems problems) {
    String prefix = "workmate.service.";
    Duration drain = problems.read(prefix + "drain-timeout",
        () -> config.getDuration(prefix + "drain-timeout"), Duration.ofSeconds(60));
    if (drain.isNegative() || drain.compareTo(Duration.ofHours(1)) > 0) {
      problems.add(prefix + "drain-timeout must be within 0s..1h, got " + drain);
    }
    Duration status = positive(problems, prefix + "status-interval", config,
        Duration.ofSeconds(5));
    boolean hooks = problems.read(prefix + "test-hooks",
        () -> config.getBoolean(prefix + "test-hooks"), false);
    return new Service(drain, status, hooks);
  }

  private static int within(Problems problems, Config config, String key, int min, int max,
      int fallback) {
    int value = problems.read(key, () -> config.getInt(key), fallback);
    if (value < min || value > max) {
      problems.add(key + " must be within " + min + ".." + max + ", got " + value);
      return fallback;
    }
    return value;
  }

  private static Gateway gateway(Config config, Problems problems) {
    String prefix = "workmate.ai-gateway.";
    String url = problems.read(prefix + "url", () -> config.getString(prefix + "url"), "");
    String key = problems.read(prefix + "key", () -> config.getString(prefix + "key"), "");
    Optional<URI> parsed = Optional.empty();
    if (!url.isBlank()) {
      parsed = parseGatewayUrl(url, problems);
      if (key.isBlank()) {
        problems.add("workmate.ai-gateway.url is set but workmate.ai-gateway.key "
            + "(WORKMATE_AI_GATEWAY_KEY) is empty; the gateway needs a key");
      }
    } else if (!key.isBlank()) {
      problems.add("workmate.ai-gateway.key is set but workmate.ai-gateway.url "
          + "(WORKMATE_AI_GATEWAY_URL) is empty");
    }
    return new Gateway(parsed, new Secret(key),
        problems.read(prefix + "model", () -> config.getString(prefix + "model"), "gpt-5.5"),
        problems.read(prefix + "provider-name", () -> config.getString(prefix + "provider-name"),
            "Workmate AI gateway"),
        problems.read(prefix + "request-max-retries",
            () -> config.getInt(prefix + "request-max-retries"), 0),
        problems.read(prefix + "stream-max-retries",
            () -> config.getInt(prefix + "stream-max-retries"), 0),
        positive(problems, prefix + "stream-idle-timeout", config, Duration.ofSeconds(300)));
  }

  private static Optional<URI> parseGatewayUrl(String url, Problems problems) {
    return parseUrl("workmate.ai-gateway.url", url, "http", "https",
        "an absolute http(s) URL such as https://gateway.example.com/v1", problems);
  }

  /** An absolute URL with one of two schemes and a host, or a problem naming the key. */
  private static Optional<URI> parseUrl(String key, String value, String scheme,
      String secureScheme, String expected, Problems problems) {
    try {
      URI uri = new URI(value);
      String actual = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!actual.equals(scheme) && !actual.equals(secureScheme) || uri.getHost() == null) {
        problems.add(key + " must be " + expected + ", got '" + value + "'");
        return Optional.empty();
      }
      return Optional.of(uri);
    } catch (java.net.URISyntaxException e) {
      problems.add(key + " is not a valid URL: " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Codex codex(Config config, Problems problems) {
    String prefix = "workmate.codex.";
    String binary = problems.read(prefix + "binary", () -> config.getString(prefix + "binary"), "");
    int processes = problems.read(prefix + "processes", () -> config.getInt(prefix + "processes"),
        1);
    if (processes < 1 || processes > 64) {
      problems.add("workmate.codex.processes must be within 1..64, got " + processes);
    }
    SandboxMode sandbox = problems.read(prefix + "sandbox",
        () -> SandboxMode.parse(config.getString(prefix + "sandbox")),
        SandboxMode.WORKSPACE_WRITE);
    ApprovalPolicy policy = problems.read(prefix + "approval-policy",
        () -> ApprovalPolicy.parse(config.getString(prefix + "approval-policy")),
        ApprovalPolicy.ON_REQUEST);
    Duration backoffMin = positive(problems, prefix + "restart-backoff.min", config,
        Duration.ofMillis(200));
    Duration backoffMax = positive(problems, prefix + "restart-backoff.max", config,
        Duration.ofSeconds(30));
    Backoff backoff = problems.read(prefix + "restart-backoff",
        () -> new Backoff(backoffMin, backoffMax, 2.0, 0.2), Backoff.defaults());
    return new Codex(binary.isBlank() ? Optional.empty() : Optional.of(Path.of(binary)),
        processes, sandbox, policy,
        positive(problems, prefix + "request-timeout", config, Duration.ofSeconds(60)),
        positive(problems, prefix + "initialize-timeout", config, Duration.ofSeconds(30)),
        positive(problems, prefix + "turn-watchdog", config, Duration.ofMinutes(5)), backoff,
        approvals(config, problems), mcpServers(config, problems), limits(config, problems));
  }

  /** {@code workmate.codex.limits}, see {@link CodexLimitsSettings}. */
  private static Map<String, CommandLimits> limits(Config config, Problems problems) {
    CodexLimitsSettings.Parsed parsed = CodexLimitsSettings.parse(config);
    parsed.problems().forEach(problems::add);
    return parsed.limits();
  }

  private static ApprovalHandling approvals(Config config, Problems problems) {
    String prefix = "workmate.codex.approvals.";
    ApprovalHandling.Mode mode = problems.read(prefix + "mode", () -> {
      String value = config.getString(prefix + "mode").toUpperCase(Locale.ROOT);
      try {
        return ApprovalHandling.Mode.valueOf(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("expected ask, accept or decline, got '"
            + config.getString(prefix + "mode") + "'");
      }
    }, ApprovalHandling.Mode.ASK);
    Duration timeout = positive(problems, prefix + "timeout", config, Duration.ofMinutes(10));
    ApprovalDecision onTimeout = problems.read(prefix + "default-decision",
        () -> ApprovalDecision.parse(config.getString(prefix + "default-decision")),
        ApprovalDecision.DECLINE);
    return new ApprovalHandling(mode, timeout, onTimeout);
  }

  private static Map<String, McpServer> mcpServers(Config config, Problems problems) {
    Map<String, McpServer> servers = new LinkedHashMap<>();
    String path = "workmate.codex.mcp-servers";
    ConfigObject object = problems.read(path, () -> config.getObject(path), null);
    if (object == null) {
      return servers;
    }
    // HOCON objects are unordered; sort so config.toml is stable across runs
    for (String name : new java.util.TreeSet<>(object.keySet())) {
      String key = path + "." + name;
      problems.read(key, () -> {
        Config server = object.toConfig().getConfig(quote(name));
        servers.put(name, mcpServer(server));
        return name;
      }, name);
    }
    return servers;
  }

  private static McpServer mcpServer(Config server) {
    if (server.hasPath("url")) {
      McpServer.StreamableHttp http = McpServer.StreamableHttp.of(URI.create(
          server.getString("url")));
      return server.hasPath("bearer-token-env-var")
          ? http.withBearerTokenEnvVar(server.getString("bearer-token-env-var")) : http;
    }
    if (!server.hasPath("command")) {
      throw new IllegalArgumentException("needs either command (stdio) or url (HTTP)");
    }
    List<String> args = server.hasPath("args") ? server.getStringList("args") : List.of();
    McpServer.Stdio stdio = McpServer.Stdio.of(server.getString("command"),
        args.toArray(new String[0]));
    if (server.hasPath("env")) {
      Map<String, String> env = new LinkedHashMap<>();
      server.getObject("env").unwrapped().forEach((k, v) -> env.put(k, String.valueOf(v)));
      stdio = stdio.withEnv(env);
    }
    if (server.hasPath("cwd")) {
      stdio = stdio.withCwd(Path.of(server.getString("cwd")));
    }
    return stdio;
  }

  private static String quote(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }

  private static Duration positive(Problems problems, String key, Config config,
      Duration fallback) {
    Duration value = problems.read(key, () -> config.getDuration(key), fallback);
    if (value.isNegative() || value.isZero()) {
      problems.add(key + " must be a positive duration such as 30s or 5m, got " + value);
      return fallback;
    }
    return value;
  }

  /** Collects problems instead of stopping at the first. */
  private static final class Problems {
    private final List<String> messages = new ArrayList<>();

    <T> T read(String key, Supplier<T> reader, T fallback) {
      try {
        return reader.get();
      } catch (ConfigException.Missing e) {
        messages.add(key + " is missing");
      } catch (ConfigException e) {
        messages.add(key + ": " + e.getMessage().replaceFirst("^.*?: ", ""));
      } catch (RuntimeException e) {
        messages.add(key + ": " + e.getMessage());
      }
      return fallback;
    }

    void add(String message) {
      messages.add(message);
    }

    void throwIfAny() {
      if (!messages.isEmpty()) {
        throw new InvalidSettingsException(messages);
      }
    }
  }
}
