package io.workmate.codex.config;

import io.workmate.support.PrivateFiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlWriteFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a {@link CodexConfig} into the {@code config.toml} of a private {@code CODEX_HOME}, and
 * asks the real Codex binary whether it accepts it. Rendering goes through Jackson's TOML writer so
 * that quoting and escaping are never hand-made.
 */
public final class CodexConfigBridge {

  public static final String CONFIG_FILE_NAME = "config.toml";

  /** The environment variable that points Codex at its home directory. */
  public static final String CODEX_HOME_ENV = "CODEX_HOME";

  /** Codex 0.169.0 only speaks the Responses API; {@code chat} is rejected at config load. */
  static final String WIRE_API = "responses";

  /** A cold start on a fresh CODEX_HOME takes well under a second; 30 s only catches a hang. */
  public static final Duration DEFAULT_VERIFY_TIMEOUT = Duration.ofSeconds(30);

  /** Nulls would silently vanish from TOML; failing loudly exposes a rendering bug instead. */
  private static final TomlMapper TOML =
      TomlMapper.builder().enable(TomlWriteFeature.FAIL_ON_NULL_WRITE).build();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Duration verifyTimeout;

  public CodexConfigBridge() {
    this(DEFAULT_VERIFY_TIMEOUT);
  }

  public CodexConfigBridge(Duration verifyTimeout) {
    Objects.requireNonNull(verifyTimeout, "verifyTimeout");
    if (verifyTimeout.isNegative() || verifyTimeout.isZero() || verifyTimeout.toDays() > 0) {
      throw new IllegalArgumentException(
          "verifyTimeout must be positive and under a day, was " + verifyTimeout);
    }
    this.verifyTimeout = verifyTimeout;
  }

  /**
   * The config.toml text for this config. Jackson writes tables as dotted keys
   * ({@code mcp_servers.files.command = ...}), which TOML and Codex treat exactly like {@code
   * [mcp_servers.files]} sections.
   */
  public String render(CodexConfig config) {
    Objects.requireNonNull(config, "config");
    try {
      return TOML.writeValueAsString(toToml(config));
    } catch (JsonProcessingException e) {
      // A valid CodexConfig holds only strings, numbers and booleans, so this is a bug.
      throw new IllegalStateException("could not render Codex config as TOML", e);
    }
  }

  /**
   * Writes {@code codexHome/config.toml}, creating the directory if needed. The file appears
   * atomically (temp file + rename), so a Codex starting concurrently never reads half a file, and
   * is readable by the owner only where the file system has POSIX permissions.
   *
   * @return the path of the written config.toml
   */
  public Path write(Path codexHome, CodexConfig config) throws IOException {
    Objects.requireNonNull(codexHome, "codexHome");
    Path target = codexHome.resolve(CONFIG_FILE_NAME);
    PrivateFiles.writeAtomically(target, render(config).getBytes(StandardCharsets.UTF_8));
    return target;
  }

  /**
   * Runs {@code <codexBinary> app-server --print-startup-config} with exactly {@code environment}
   * plus {@code CODEX_HOME=codexHome}, which makes Codex load and validate the config without
   * starting a server.
   *
   * @throws InvalidCodexConfigException carrying Codex's own error message if Codex rejects the
   *     config (non-zero exit or a {@code configLoad} error)
   * @throws CodexProcessException if Codex cannot run, hangs past the timeout, or prints no report
   */
  public StartupCheck verify(Path codexBinary, Path codexHome, Map<String, String> environment) {
    Objects.requireNonNull(codexBinary, "codexBinary");
    Objects.requireNonNull(codexHome, "codexHome");
    Objects.requireNonNull(environment, "environment");
    Path configFile = codexHome.resolve(CONFIG_FILE_NAME);
    if (!Files.isRegularFile(configFile)) {
      // Codex would happily start on built-in defaults, so an absent file would "pass".
      throw new InvalidCodexConfigException(
          "nothing to verify",
          List.of("no " + CONFIG_FILE_NAME + " in " + codexHome + "; write one first"));
    }
    CodexProcess.Result result =
        CodexProcess.run(
            List.of(codexBinary.toString(), "app-server", "--print-startup-config"),
            environmentWithHome(environment, codexHome),
            verifyTimeout);
    Optional<JsonNode> report = lastJsonLine(result.stdout());
    Optional<JsonNode> error = report.map(json -> json.get("error")).filter(JsonNode::isObject);
    if (result.exitCode() != 0 || error.isPresent()) {
      throw rejected(configFile, result, error);
    }
    JsonNode accepted =
        report.orElseThrow(
            () ->
                new CodexProcessException(
                    "codex printed no startup report; stdout was: " + result.stdout().strip()));
    return new StartupCheck(
        accepted.path("appServerVersion").asText(""),
        accepted.path("configRequirements"),
        nonBlankLines(result.stderr()));
  }

  // ---- rendering ----

  private static ObjectNode toToml(CodexConfig config) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model", config.model());
    root.put("model_provider", config.provider().id());
    root.put("approval_policy", config.approvalPolicy().wire());
    root.put("sandbox_mode", config.sandbox().wire());
    root.putObject("model_providers").set(config.provider().id(), providerTable(config));
    if (!config.mcpServers().isEmpty()) {
      ObjectNode servers = root.putObject("mcp_servers");
      config.mcpServers().forEach((name, server) -> servers.set(name, mcpServerTable(server)));
    }
    // Without this Codex syncs curated plugins from github.com/chatgpt.com at every start.
    root.putObject("features").put("plugins", false);
    return root;
  }

  private static ObjectNode providerTable(CodexConfig config) {
    ModelProvider provider = config.provider();
    ObjectNode table = JSON.createObjectNode();
    table.put("name", provider.name());
    table.put("base_url", provider.baseUrl().toString());
    table.put("env_key", provider.envKey());
    table.put("wire_api", WIRE_API);
    table.put("request_max_retries", config.requestMaxRetries());
    table.put("stream_max_retries", config.streamMaxRetries());
    table.put("stream_idle_timeout_ms", config.streamIdleTimeout().toMillis());
    return table;
  }

  private static ObjectNode mcpServerTable(McpServer server) {
    if (server instanceof McpServer.Stdio stdio) {
      return stdioTable(stdio);
    }
    return streamableHttpTable((McpServer.StreamableHttp) server);
  }

  private static ObjectNode stdioTable(McpServer.Stdio server) {
    ObjectNode table = JSON.createObjectNode();
    table.put("command", server.command());
    if (!server.args().isEmpty()) {
      server.args().forEach(table.putArray("args")::add);
    }
    if (!server.env().isEmpty()) {
      ObjectNode env = table.putObject("env");
      server.env().forEach(env::put);
    }
    server.cwd().ifPresent(cwd -> table.put("cwd", cwd.toString()));
    return table;
  }

  private static ObjectNode streamableHttpTable(McpServer.StreamableHttp server) {
    ObjectNode table = JSON.createObjectNode();
    table.put("url", server.url().toString());
    server.bearerTokenEnvVar().ifPresent(env -> table.put("bearer_token_env_var", env));
    return table;
  }

  // ---- writing ----



  // ---- verifying ----

  private static Map<String, String> environmentWithHome(
      Map<String, String> environment, Path codexHome) {
    Map<String, String> full = new HashMap<>(environment);
    full.put(CODEX_HOME_ENV, codexHome.toAbsolutePath().toString());
    return full;
  }

  /** Codex prints one JSON object; scanning from the end tolerates any banner printed before it. */
  private static Optional<JsonNode> lastJsonLine(String stdout) {
    List<String> lines =
        stdout.lines().map(String::strip).filter(line -> line.startsWith("{")).toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(JSON.readTree(lines.get(i)));
      } catch (JsonProcessingException e) {
        // not the report; keep looking
      }
    }
    return Optional.empty();
  }

  private static InvalidCodexConfigException rejected(
      Path configFile, CodexProcess.Result result, Optional<JsonNode> error) {
    String reason = error.map(e -> e.path("data").path("reason").asText("")).orElse("");
    String codexMessage =
        error
            .map(e -> e.path("message").asText(""))
            .filter(message -> !message.isBlank())
            .orElseGet(
                () ->
                    "codex exited with code " + result.exitCode() + ": " + result.stderr().strip());
    String summary = "Codex rejected " + configFile + (reason.isEmpty() ? "" : " (" + reason + ")");
    return new InvalidCodexConfigException(summary, List.of(codexMessage));
  }

  private static List<String> nonBlankLines(String text) {
    return text.lines().filter(line -> !line.isBlank()).toList();
  }
}
