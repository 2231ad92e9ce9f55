package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import io.workmate.codex.ApprovalHandling;
import io.workmate.codex.CommandLimits;
import io.workmate.codex.config.McpServer;
import io.workmate.jobs.JobLedger;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.runtime.Mode;
import io.workmate.support.Backoff;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
    Service service,
    Cluster cluster,
    Workspaces workspaces) {

  /**
   * Job workspaces ({@code workmate.workspaces}).
   *
   * @param allowedRoots where repositories must be; empty: any ("any")
   * @param keepFor how long a failed, dead or cancelled job's worktree stays
   * @param authorName the commits' author and committer
   * @param authorEmail their e-mail address
   * @param commitMessage the commit message, {@code {job}} standing for the job's id
   * @param git the git executable
   */
  public record Workspaces(List<Path> allowedRoots, Duration keepFor, String authorName,
      String authorEmail, String commitMessage, String git) {}

  /**
   * Cluster mode of {@code serve} ({@code workmate.cluster}), read by {@link ClusterSettings}.
   *
   * @param enabled whether {@code serve} joins a cluster; off: none of the rest is used
   * @param host Artery's canonical hostname (where the other nodes reach this one) and bind address
   * @param port Artery's port (0 = any free one)
   * @param seedNodes the nodes to join; empty = this node starts a new cluster by joining itself
   * @param roles this node's cluster roles
   * @param nodeName the effective node name: the configured one, else {@code <host>-<port>}
   * @param joinTimeout how long {@code serve} waits to become {@code Up}
   * @param stableAfter the Split Brain Resolver's {@code stable-after}
   * @param failureDetectorPause the failure detector's {@code acceptable-heartbeat-pause}
   * @param tls TLS between the nodes, when on
   */
  public record Cluster(boolean enabled, String host, int port, List<SeedNode> seedNodes,
      List<String> roles, String nodeName, int jobShards, Duration joinTimeout,
      Duration stableAfter,
      Duration failureDetectorPause, int managementPort, Optional<Tls> tls) {

    /** A node to join, as {@code host:port}. */
    public record SeedNode(String host, int port) {
      @Override
      public String toString() {
        return host + ":" + port;
      }
    }

    /** Artery's {@code tls-tcp} stores; the passwords are {@link Secret}s. */
    public record Tls(Path keyStore, Secret keyStorePassword, Secret keyPassword,
        Path trustStore, Secret trustStorePassword) {}

    /** This node's cluster address as configured, {@code host:port}. */
    public String address() {
      return host + ":" + port;
    }
  }

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
   * @param ledgerShards the job ledger's shards as configured; a data dir keeps the number it
   *     was first served with ({@code LedgerShards})
   */
  public record Jobs(int maxConcurrent, int rateLimitPerMinute, Backoff backoff,
      int defaultMaxAttempts, Duration defaultTimeout, boolean echoAgent,
      Duration ledgerWriteInterval, int ledgerShards) {

    public Jobs withLedgerShards(int shards) {
      return new Jobs(maxConcurrent, rateLimitPerMinute, backoff, defaultMaxAttempts,
          defaultTimeout, echoAgent, ledgerWriteInterval, shards);
    }
  }

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

  /**
   * Reads and checks every setting. The defaults are those of the HOCON files; nothing here
   * supplies a value the config does not have.
   *
   * @throws InvalidSettingsException naming every problem with its key
   */
  public static WorkmateSettings from(Config config, Map<String, String> environment) {
    SettingsReader in = new SettingsReader(config);
    String dataDir = in.string("workmate.data-dir");
    Gateway gateway = gateway(in);
    Codex codex = codex(in);
    String host = in.nonBlank("workmate.scripted-provider.host", "a host name or address");
    Integer port = in.integer("workmate.scripted-provider.port", 0, 65535);
    Runtime runtime = runtime(in);
    Http http = http(in);
    Jobs jobs = jobs(in);
    Service service = service(in);
    Memory memory = memory(in);
    Cluster cluster = ClusterSettings.read(in);
    Workspaces workspaces = workspaces(in);
    UnknownSettings.in(config).forEach(in::add);
    in.throwIfAny();
    return new WorkmateSettings(DataDir.resolve(dataDir, environment), gateway, codex, host,
        port, runtime, http, jobs, memory, service, cluster, workspaces);
  }

  private static Runtime runtime(SettingsReader in) {
    String prefix = "workmate.openclaw.";
    Mode mode = in.parsed("workmate.mode", Mode::parse);
    Optional<URI> local = gatewayUrl(in, prefix + "local-url");
    Optional<URI> remote = gatewayUrl(in, prefix + "remote-url");
    String fingerprint = in.string(prefix + "remote-fingerprint");
    if (fingerprint != null && !fingerprint.isBlank()) {
      String hex = fingerprint.replace(":", "").toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        in.add(prefix + "remote-fingerprint must be a SHA-256 fingerprint (64 hex digits, "
            + "colons allowed)");
      } else if (remote != null && remote.isPresent()
          && !"wss".equals(remote.get().getScheme())) {
        in.add(prefix + "remote-fingerprint needs a wss:// remote-url");
      }
    }
    Backoff backoff = backoff(in, prefix + "reconnect-backoff", prefix + "reconnect-backoff.min",
        prefix + "reconnect-backoff.max");
    String token = in.string(prefix + "token");
    String agentId = in.nonBlank(prefix + "agent-id", "the id of an OpenClaw agent");
    Duration connectTimeout = in.positive(prefix + "connect-timeout");
    Duration requestTimeout = in.positive(prefix + "request-timeout");
    Duration stableFor = in.positive(prefix + "stable-for");
    Duration maxStableFor = in.positive(prefix + "max-stable-for");
    if (stableFor != null && maxStableFor != null && maxStableFor.compareTo(stableFor) < 0) {
      in.add(prefix + "max-stable-for (" + maxStableFor + ") must not be below "
          + prefix + "stable-for (" + stableFor + ")");
    }
    Duration flapWindow = in.positive(prefix + "flap-window");
    Duration reattachWindow = in.positive(prefix + "reattach-window");
    if (!in.clean()) {
      return null;
    }
    return new Runtime(mode, local, remote,
        fingerprint.isBlank() ? Optional.empty() : Optional.of(fingerprint), new Secret(token),
        agentId, connectTimeout, requestTimeout, backoff, stableFor, maxStableFor, flapWindow,
        reattachWindow);
  }

  /** Empty for an empty value; null when the value is not a ws(s) URL. */
  private static Optional<URI> gatewayUrl(SettingsReader in, String key) {
    String value = in.string(key);
    if (value == null) {
      return null;
    }
    return value.isBlank() ? Optional.empty() : parseUrl(key, value, "ws", "wss",
        "a ws:// or wss:// URL such as ws://127.0.0.1:18789", in);
  }

  /** A capped backoff doubling from {@code minKey} to {@code maxKey}, jitter 0.2. */
  private static Backoff backoff(SettingsReader in, String key, String minKey, String maxKey) {
    Duration min = in.positive(minKey);
    Duration max = in.positive(maxKey);
    return min == null || max == null ? null
        : in.read(key, () -> new Backoff(min, max, 2.0, 0.2));
  }

  private static Http http(SettingsReader in) {
    String host = in.nonBlank("workmate.http.host", "a host name or address");
    Integer port = in.integer("workmate.http.port", 0, 65535);
    String token = in.string("workmate.http.token");
    return in.clean() ? new Http(host, port, new Secret(token)) : null;
  }

  private static final java.util.regex.Pattern MEMORY_AGENT =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private static Memory memory(SettingsReader in) {
    String targetsKey = "workmate.memory.targets";
    String defaultKey = "workmate.memory.default-target";
    String pairs = in.string(targetsKey);
    String defaultTarget = in.string(defaultKey);
    if (defaultTarget != null && !MEMORY_AGENT.matcher(defaultTarget).matches()) {
      in.add(defaultKey + " must be an agent id (letters, digits, '.', '_', '-'), got '"
          + defaultTarget + "'");
    }
    Map<String, String> targets = new LinkedHashMap<>();
    for (String pair : pairs == null ? new String[0] : pairs.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      String[] sides = pair.trim().split("=", -1);
      if (sides.length != 2 || !MEMORY_AGENT.matcher(sides[0].trim()).matches()
          || !MEMORY_AGENT.matcher(sides[1].trim()).matches()) {
        in.add(targetsKey + " must be comma-separated workmate-agent=openclaw-agent pairs;"
            + " '" + pair.trim() + "' is not one");
        continue;
      }
      String previous = targets.put(sides[0].trim(), sides[1].trim());
      if (previous != null) {
        in.add(targetsKey + " names agent '" + sides[0].trim() + "' twice ('" + previous
            + "' and '" + sides[1].trim() + "')");
      }
    }
    return in.clean() ? new Memory(Map.copyOf(targets), defaultTarget) : null;
  }

  private static Jobs jobs(SettingsReader in) {
    String prefix = "workmate.jobs.";
    Integer maxConcurrent = in.integer(prefix + "max-concurrent", 1, 1024);
    Integer rateLimit = in.integer(prefix + "rate-limit-per-minute", 0, 1_000_000);
    Duration initial = in.positive(prefix + "backoff.initial");
    Duration max = in.positive(prefix + "backoff.max");
    Double multiplier = in.decimal(prefix + "backoff.multiplier", 1.0, 100.0);
    Double jitter = in.decimal(prefix + "backoff.jitter", 0.0, 1.0);
    Backoff backoff = initial == null || max == null || multiplier == null || jitter == null
        ? null : in.read(prefix + "backoff", () -> new Backoff(initial, max, multiplier, jitter));
    Integer maxAttempts = in.integer(prefix + "default-max-attempts", 1, 100);
    Duration timeout = in.duration(prefix + "default-timeout", Duration.ofSeconds(1),
        Duration.ofDays(1), "1s..1d");
    Boolean echo = in.flag(prefix + "echo-agent");
    Duration writeInterval = in.duration(prefix + "ledger-write-interval", Duration.ZERO,
        Duration.ofSeconds(1), "0..1s");
    Integer shards = in.integer(prefix + "ledger-shards", 1, JobLedger.MAX_SHARDS);
    return in.clean() ? new Jobs(maxConcurrent, rateLimit, backoff, maxAttempts, timeout, echo,
        writeInterval, shards) : null;
  }

  private static Workspaces workspaces(SettingsReader in) {
    String prefix = "workmate.workspaces.";
    String roots = in.nonBlank(prefix + "allowed-roots", "\"any\" or absolute directories");
    List<Path> allowed = new java.util.ArrayList<>();
    if (roots != null && !roots.strip().equals("any")) {
      for (String root : roots.split(",")) {
        try {
          Path path = Path.of(root.strip());
          if (!path.isAbsolute()) {
            in.add(prefix + "allowed-roots must list absolute directories (or be \"any\"); '"
                + root.strip() + "' is not absolute");
          }
          allowed.add(path.normalize());
        } catch (java.nio.file.InvalidPathException e) {
          in.add(prefix + "allowed-roots: '" + root.strip() + "' is not a path");
        }
      }
    }
    Duration keepFor = in.duration(prefix + "keep-for", Duration.ZERO, Duration.ofDays(365),
        "0s..365d");
    String name = in.nonBlank(prefix + "author-name", "a name");
    String email = in.nonBlank(prefix + "author-email", "an e-mail address");
    String message = in.nonBlank(prefix + "commit-message", "a commit message");
    String git = in.nonBlank(prefix + "git", "the git executable");
    return in.clean() ? new Workspaces(List.copyOf(allowed), keepFor, name, email, message, git)
        : null;
  }

  private static Service service(SettingsReader in) {
    String prefix = "workmate.service.";
    Duration drain = in.duration(prefix + "drain-timeout", Duration.ZERO, Duration.ofHours(1),
        "0s..1h");
    Duration status = in.positive(prefix + "status-interval");
    Boolean hooks = in.flag(prefix + "test-hooks");
    return in.clean() ? new Service(drain, status, hooks) : null;
  }

  private static Gateway gateway(SettingsReader in) {
    String prefix = "workmate.ai-gateway.";
    String url = in.string(prefix + "url");
    String key = in.string(prefix + "key");
    Optional<URI> parsed = Optional.empty();
    if (url != null && key != null) {
      if (!url.isBlank()) {
        parsed = parseUrl(prefix + "url", url, "http", "https",
            "an absolute http(s) URL such as https://gateway.example.com/v1", in);
        if (key.isBlank()) {
          in.add("workmate.ai-gateway.url is set but workmate.ai-gateway.key "
              + "(WORKMATE_AI_GATEWAY_KEY) is empty; the gateway needs a key");
        }
      } else if (!key.isBlank()) {
        in.add("workmate.ai-gateway.key is set but workmate.ai-gateway.url "
            + "(WORKMATE_AI_GATEWAY_URL) is empty");
      }
    }
    String model = in.nonBlank(prefix + "model", "a model slug such as gpt-5.5");
    String providerName = in.nonBlank(prefix + "provider-name", "a display name");
    Integer requestRetries = in.integer(prefix + "request-max-retries", 0, 10);
    Integer streamRetries = in.integer(prefix + "stream-max-retries", 0, 10);
    Duration idle = in.positive(prefix + "stream-idle-timeout");
    return in.clean() ? new Gateway(parsed, new Secret(key), model, providerName,
        requestRetries, streamRetries, idle) : null;
  }

  /** An absolute URL with one of two schemes and a host, or a problem naming the key (null). */
  private static Optional<URI> parseUrl(String key, String value, String scheme,
      String secureScheme, String expected, SettingsReader in) {
    try {
      URI uri = new URI(value);
      String actual = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!actual.equals(scheme) && !actual.equals(secureScheme) || uri.getHost() == null) {
        in.add(key + " must be " + expected + ", got '" + value + "'");
        return null;
      }
      return Optional.of(uri);
    } catch (java.net.URISyntaxException e) {
      in.add(key + " is not a valid URL: " + e.getMessage());
      return null;
    }
  }

  private static Codex codex(SettingsReader in) {
    String prefix = "workmate.codex.";
    String binary = in.string(prefix + "binary");
    Integer processes = in.integer(prefix + "processes", 1, 64);
    SandboxMode sandbox = in.parsed(prefix + "sandbox", SandboxMode::parse);
    ApprovalPolicy policy = in.parsed(prefix + "approval-policy", ApprovalPolicy::parse);
    Backoff backoff = backoff(in, prefix + "restart-backoff", prefix + "restart-backoff.min",
        prefix + "restart-backoff.max");
    Duration requestTimeout = in.positive(prefix + "request-timeout");
    Duration initializeTimeout = in.positive(prefix + "initialize-timeout");
    Duration turnWatchdog = in.positive(prefix + "turn-watchdog");
    ApprovalHandling approvals = approvals(in);
    Map<String, McpServer> mcpServers = mcpServers(in);
    Map<String, CommandLimits> limits = limits(in);
    if (!in.clean()) {
      return null;
    }
    return new Codex(binary.isBlank() ? Optional.empty() : Optional.of(Path.of(binary)),
        processes, sandbox, policy, requestTimeout, initializeTimeout, turnWatchdog, backoff,
        approvals, mcpServers, limits);
  }

  /** {@code workmate.codex.limits}, see {@link CodexLimitsSettings}. */
  private static Map<String, CommandLimits> limits(SettingsReader in) {
    CodexLimitsSettings.Parsed parsed = CodexLimitsSettings.parse(in.config());
    parsed.problems().forEach(in::add);
    return parsed.limits();
  }

  private static ApprovalHandling approvals(SettingsReader in) {
    String prefix = "workmate.codex.approvals.";
    ApprovalHandling.Mode mode = in.parsed(prefix + "mode", value -> {
      try {
        return ApprovalHandling.Mode.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("expected ask, accept or decline, got '" + value
            + "'");
      }
    });
    Duration timeout = in.positive(prefix + "timeout");
    ApprovalDecision onTimeout = in.parsed(prefix + "default-decision", ApprovalDecision::parse);
    return mode == null || timeout == null || onTimeout == null ? null
        : new ApprovalHandling(mode, timeout, onTimeout);
  }

  private static Map<String, McpServer> mcpServers(SettingsReader in) {
    Map<String, McpServer> servers = new LinkedHashMap<>();
    String path = "workmate.codex.mcp-servers";
    ConfigObject object = in.read(path, () -> in.config().getObject(path));
    if (object == null) {
      return servers;
    }
    // HOCON objects are unordered; sort so config.toml is stable across runs
    for (String name : new java.util.TreeSet<>(object.keySet())) {
      McpServer server = in.read(path + "." + name,
          () -> mcpServer(object.toConfig().getConfig(quote(name))));
      if (server != null) {
        servers.put(name, server);
      }
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
}
