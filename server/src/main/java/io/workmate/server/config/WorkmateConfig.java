package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads Workmate's HOCON configuration. Highest wins: explicit overrides (command-line flags),
 * then {@code WORKMATE_*} environment variables (the table below), then the user's file, then
 * the defaults in {@code application.conf}.
 */
public final class WorkmateConfig {

  /** Every environment variable Workmate reads, and the config key it sets. */
  public static final Map<String, String> ENVIRONMENT = environmentTable();

  /**
   * The keys whose variable, set but empty, sets them empty: their default is not empty and an
   * empty value means something ("no local gateway"). Any other empty variable counts as unset,
   * so a blank {@code WORKMATE_MODE=} in a unit file keeps the default instead of failing.
   */
  static final Set<String> EMPTY_IS_A_VALUE = Set.of("workmate.openclaw.local-url");

  /** Names the user's config file when {@code --config} is not given. */
  public static final String CONFIG_FILE_VARIABLE = "WORKMATE_CONFIG";

  private WorkmateConfig() {}

  private static Map<String, String> environmentTable() {
    Map<String, String> table = new LinkedHashMap<>();
    table.put("WORKMATE_DATA_DIR", "workmate.data-dir");
    table.put("WORKMATE_SCRIPTED_PROVIDER_HOST", "workmate.scripted-provider.host");
    table.put("WORKMATE_SCRIPTED_PROVIDER_PORT", "workmate.scripted-provider.port");
    table.put("WORKMATE_AI_GATEWAY_URL", "workmate.ai-gateway.url");
    table.put("WORKMATE_AI_GATEWAY_KEY", "workmate.ai-gateway.key");
    table.put("WORKMATE_AI_GATEWAY_MODEL", "workmate.ai-gateway.model");
    table.put("WORKMATE_AI_GATEWAY_REQUEST_MAX_RETRIES", "workmate.ai-gateway.request-max-retries");
    table.put("WORKMATE_AI_GATEWAY_STREAM_MAX_RETRIES", "workmate.ai-gateway.stream-max-retries");
    table.put("WORKMATE_AI_GATEWAY_STREAM_IDLE_TIMEOUT", "workmate.ai-gateway.stream-idle-timeout");
    table.put("WORKMATE_CODEX_BINARY", "workmate.codex.binary");
    table.put("WORKMATE_CODEX_PROCESSES", "workmate.codex.processes");
    table.put("WORKMATE_CODEX_SANDBOX", "workmate.codex.sandbox");
    table.put("WORKMATE_CODEX_APPROVAL_POLICY", "workmate.codex.approval-policy");
    table.put("WORKMATE_CODEX_REQUEST_TIMEOUT", "workmate.codex.request-timeout");
    table.put("WORKMATE_CODEX_TURN_WATCHDOG", "workmate.codex.turn-watchdog");
    table.put("WORKMATE_CODEX_APPROVALS", "workmate.codex.approvals.mode");
    table.put("WORKMATE_CODEX_APPROVAL_TIMEOUT", "workmate.codex.approvals.timeout");
    table.put("WORKMATE_MODE", "workmate.mode");
    table.put("WORKMATE_OPENCLAW_LOCAL_URL", "workmate.openclaw.local-url");
    table.put("WORKMATE_OPENCLAW_REMOTE_URL", "workmate.openclaw.remote-url");
    table.put("WORKMATE_OPENCLAW_REMOTE_FINGERPRINT", "workmate.openclaw.remote-fingerprint");
    table.put("WORKMATE_OPENCLAW_TOKEN", "workmate.openclaw.token");
    table.put("WORKMATE_HTTP_HOST", "workmate.http.host");
    table.put("WORKMATE_HTTP_PORT", "workmate.http.port");
    table.put("WORKMATE_API_TOKEN", "workmate.http.token");
    table.put("WORKMATE_JOURNAL_KIND", "workmate.journal.kind");
    table.put("WORKMATE_JOURNAL_POSTGRES_URL", "workmate.journal.postgres.url");
    table.put("WORKMATE_JOURNAL_POSTGRES_USER", "workmate.journal.postgres.user");
    table.put("WORKMATE_JOURNAL_POSTGRES_PASSWORD", "workmate.journal.postgres.password");
    table.put("WORKMATE_JOBS_MAX_CONCURRENT", "workmate.jobs.max-concurrent");
    table.put("WORKMATE_JOBS_RATE_LIMIT_PER_MINUTE", "workmate.jobs.rate-limit-per-minute");
    table.put("WORKMATE_JOBS_BACKOFF_INITIAL", "workmate.jobs.backoff.initial");
    table.put("WORKMATE_JOBS_BACKOFF_MAX", "workmate.jobs.backoff.max");
    table.put("WORKMATE_JOBS_DEFAULT_MAX_ATTEMPTS", "workmate.jobs.default-max-attempts");
    table.put("WORKMATE_JOBS_DEFAULT_TIMEOUT", "workmate.jobs.default-timeout");
    table.put("WORKMATE_JOBS_ECHO_AGENT", "workmate.jobs.echo-agent");
    table.put("WORKMATE_JOBS_LEDGER_WRITE_INTERVAL", "workmate.jobs.ledger-write-interval");
    table.put("WORKMATE_JOBS_LEDGER_SHARDS", "workmate.jobs.ledger-shards");
    table.put("WORKMATE_WORKSPACES_ALLOWED_ROOTS", "workmate.workspaces.allowed-roots");
    table.put("WORKMATE_WORKSPACES_KEEP_FOR", "workmate.workspaces.keep-for");
    table.put("WORKMATE_WORKSPACES_AUTHOR_NAME", "workmate.workspaces.author-name");
    table.put("WORKMATE_WORKSPACES_AUTHOR_EMAIL", "workmate.workspaces.author-email");
    table.put("WORKMATE_WORKSPACES_COMMIT_MESSAGE", "workmate.workspaces.commit-message");
    table.put("WORKMATE_WORKSPACES_GIT", "workmate.workspaces.git");
    table.put("WORKMATE_MEMORY_TARGETS", "workmate.memory.targets");
    table.put("WORKMATE_MEMORY_DEFAULT_TARGET", "workmate.memory.default-target");
    table.put("WORKMATE_SERVICE_DRAIN_TIMEOUT", "workmate.service.drain-timeout");
    table.put("WORKMATE_SERVICE_STATUS_INTERVAL", "workmate.service.status-interval");
    table.put("WORKMATE_SERVICE_TEST_HOOKS", "workmate.service.test-hooks");
    table.put("WORKMATE_CLUSTER_ENABLED", "workmate.cluster.enabled");
    table.put("WORKMATE_CLUSTER_HOST", "workmate.cluster.host");
    table.put("WORKMATE_CLUSTER_PORT", "workmate.cluster.port");
    table.put("WORKMATE_CLUSTER_SEED_NODES", "workmate.cluster.seed-nodes");
    table.put("WORKMATE_CLUSTER_ROLES", "workmate.cluster.roles");
    table.put("WORKMATE_CLUSTER_NODE_NAME", "workmate.cluster.node-name");
    table.put("WORKMATE_CLUSTER_JOB_SHARDS", "workmate.cluster.job-shards");
    table.put("WORKMATE_CLUSTER_JOIN_TIMEOUT", "workmate.cluster.join-timeout");
    table.put("WORKMATE_CLUSTER_STABLE_AFTER", "workmate.cluster.stable-after");
    table.put("WORKMATE_CLUSTER_MANAGEMENT_PORT", "workmate.cluster.management-port");
    table.put("WORKMATE_CLUSTER_TLS_ENABLED", "workmate.cluster.tls.enabled");
    table.put("WORKMATE_CLUSTER_TLS_KEY_STORE", "workmate.cluster.tls.key-store");
    table.put("WORKMATE_CLUSTER_TLS_KEY_STORE_PASSWORD", "workmate.cluster.tls.key-store-password");
    table.put("WORKMATE_CLUSTER_TLS_KEY_PASSWORD", "workmate.cluster.tls.key-password");
    table.put("WORKMATE_CLUSTER_TLS_TRUST_STORE", "workmate.cluster.tls.trust-store");
    table.put("WORKMATE_CLUSTER_TLS_TRUST_STORE_PASSWORD",
        "workmate.cluster.tls.trust-store-password");
    return Map.copyOf(table);
  }

  /**
   * @param configFile the user's file; empty = {@code WORKMATE_CONFIG}, else
   *     {@code <data-dir>/workmate.conf} when it exists
   * @param environment the process environment
   * @param overrides config key to value, from command-line flags
   * @throws InvalidSettingsException for a missing or malformed file
   */
  public static Config load(Optional<Path> configFile, Map<String, String> environment,
      Map<String, String> overrides) {
    Config flags = fromMap(overrides);
    Config env = fromEnvironment(environment);
    Config defaults = ConfigFactory.parseResources("application.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config withoutFile = flags.withFallback(env).withFallback(defaults);
    Config file = userFile(configFile, environment, withoutFile);
    Config layered = flags.withFallback(env).withFallback(file).withFallback(defaults);
    try {
      return ConfigFactory.load(layered);
    } catch (ConfigException e) {
      throw new InvalidSettingsException(java.util.List.of(e.getMessage()));
    }
  }

  private static Config userFile(Optional<Path> explicit, Map<String, String> environment,
      Config withoutFile) {
    Optional<Path> named = explicit.or(() -> Optional.ofNullable(
        environment.get(CONFIG_FILE_VARIABLE)).filter(s -> !s.isBlank()).map(Path::of));
    if (named.isPresent()) {
      Path path = named.get();
      if (!Files.isRegularFile(path)) {
        throw new InvalidSettingsException(
            java.util.List.of("config file " + path + " does not exist or is not a file"));
      }
      return parse(path);
    }
    Path implicit = DataDir.resolve(withoutFile.resolve(), environment).resolve("workmate.conf");
    return Files.isRegularFile(implicit) ? parse(implicit) : ConfigFactory.empty();
  }

  private static Config parse(Path path) {
    try {
      return ConfigFactory.parseFile(path.toFile(),
          ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new InvalidSettingsException(
          java.util.List.of("cannot read config file " + path + ": " + e.getMessage()));
    }
  }

  static Config fromEnvironment(Map<String, String> environment) {
    Map<String, String> values = new LinkedHashMap<>();
    ENVIRONMENT.forEach((variable, key) -> {
      String value = environment.get(variable);
      if (value != null && (!value.isEmpty() || EMPTY_IS_A_VALUE.contains(key))) {
        values.put(key, value);
      }
    });
    return fromMap(values);
  }

  private static Config fromMap(Map<String, String> values) {
    Config config = ConfigFactory.empty();
    for (Map.Entry<String, String> entry : values.entrySet()) {
      config = config.withValue(entry.getKey(), ConfigValueFactory.fromAnyRef(entry.getValue(),
          "override of " + entry.getKey()));
    }
    return config;
  }
}
