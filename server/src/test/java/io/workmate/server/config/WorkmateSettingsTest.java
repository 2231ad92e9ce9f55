package io.workmate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.workmate.codex.ApprovalHandling;
import io.workmate.codex.config.McpServer;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkmateSettingsTest {

  @TempDir Path tmp;

  private WorkmateSettings load(Optional<Path> file, Map<String, String> env,
      Map<String, String> flags) {
    Config config = WorkmateConfig.load(file, env, flags);
    return WorkmateSettings.from(config, env);
  }

  @Test
  void defaultsNeedNoGatewayAndUseTheDocumentedValues() {
    WorkmateSettings settings = load(Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString()),
        Map.of());

    assertFalse(settings.gateway().configured());
    assertEquals(tmp.resolve("workmate"), settings.dataDir());
    assertEquals(1, settings.codex().processes());
    assertEquals(SandboxMode.WORKSPACE_WRITE, settings.codex().sandbox());
    assertEquals(ApprovalPolicy.ON_REQUEST, settings.codex().approvalPolicy());
    assertEquals(Duration.ofMinutes(5), settings.codex().turnWatchdog());
    assertEquals(ApprovalHandling.Mode.ASK, settings.codex().approvals().mode());
    assertEquals("127.0.0.1", settings.scriptedProviderHost());
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws Exception {
    Path file = tmp.resolve("workmate.conf");
    Files.writeString(file, "workmate.codex.processes = 3\n"
        + "workmate.codex.sandbox = read-only\n"
        + "workmate.data-dir = \"" + tmp.resolve("from-file") + "\"\n");
    Map<String, String> env = Map.of("WORKMATE_CODEX_PROCESSES", "5",
        "WORKMATE_DATA_DIR", tmp.resolve("from-env").toString());
    Map<String, String> flags = Map.of("workmate.data-dir", tmp.resolve("from-flag").toString());

    WorkmateSettings settings = load(Optional.of(file), env, flags);

    assertEquals(5, settings.codex().processes(), "env beats file");
    assertEquals(SandboxMode.READ_ONLY, settings.codex().sandbox(), "file beats defaults");
    assertEquals(tmp.resolve("from-flag"), settings.dataDir(), "flag beats env");
  }

  @Test
  void anEmptyLocalGatewayVariableMeansNoneWhileOtherEmptyVariablesCountAsUnset() {
    WorkmateSettings defaults =
        load(Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString()), Map.of());
    assertEquals(Optional.of(java.net.URI.create("ws://127.0.0.1:18789")),
        defaults.runtime().localUrl());

    WorkmateSettings settings = load(Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString(),
        "WORKMATE_OPENCLAW_LOCAL_URL", "", "WORKMATE_MODE", "",
        "WORKMATE_JOBS_MAX_CONCURRENT", ""), Map.of());
    assertEquals(Optional.empty(), settings.runtime().localUrl(), "empty = no local gateway");
    assertEquals(defaults.runtime().mode(), settings.runtime().mode());
    assertEquals(defaults.jobs().maxConcurrent(), settings.jobs().maxConcurrent());
  }

  @Test
  void theDataDirsOwnFileIsReadWhenNoneIsNamed() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("workmate.conf"), "workmate.codex.turn-watchdog = 42s\n");

    WorkmateSettings settings = load(Optional.empty(),
        Map.of("WORKMATE_DATA_DIR", data.toString()), Map.of());

    assertEquals(Duration.ofSeconds(42), settings.codex().turnWatchdog());
  }

  @Test
  void aGatewayNeedsAUrlAndAKeyAndTheKeyNeverPrints() {
    WorkmateSettings settings = load(Optional.empty(), Map.of(
        "WORKMATE_AI_GATEWAY_URL", "https://gateway.example.com/v1",
        "WORKMATE_AI_GATEWAY_KEY", "sk-very-secret"), Map.of());

    assertTrue(settings.gateway().configured());
    assertEquals("sk-very-secret", settings.gateway().key().reveal());
    assertFalse(settings.toString().contains("sk-very-secret"));
  }

  @Test
  void everyProblemIsReportedWithItsKey() {
    InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.empty(), Map.of(
            "WORKMATE_AI_GATEWAY_URL", "not a url at all",
            "WORKMATE_CODEX_PROCESSES", "zero",
            "WORKMATE_CODEX_SANDBOX", "wide-open",
            "WORKMATE_CODEX_APPROVAL_POLICY", "sometimes",
            "WORKMATE_CODEX_TURN_WATCHDOG", "-5s",
            "WORKMATE_CODEX_APPROVALS", "maybe"), Map.of()));

    List<String> problems = e.problems();
    assertTrue(has(problems, "workmate.ai-gateway.url"), problems.toString());
    assertTrue(has(problems, "workmate.ai-gateway.key"), problems.toString());
    assertTrue(has(problems, "workmate.codex.processes"), problems.toString());
    assertTrue(has(problems, "workmate.codex.sandbox: unknown sandbox mode 'wide-open'"),
        problems.toString());
    assertTrue(has(problems, "workmate.codex.approval-policy: unknown approval policy"),
        problems.toString());
    assertTrue(has(problems, "workmate.codex.turn-watchdog must be a positive duration"),
        problems.toString());
    assertTrue(has(problems, "workmate.codex.approvals.mode: expected ask, accept or decline"),
        problems.toString());
  }

  @Test
  void gatewaysModeAndHttpAreReadAndChecked() {
    WorkmateSettings settings = load(Optional.empty(), Map.of(
        "WORKMATE_MODE", "remote",
        "WORKMATE_OPENCLAW_REMOTE_URL", "wss://gateway.example.com:18789",
        "WORKMATE_OPENCLAW_REMOTE_FINGERPRINT", "AB:" + "cd".repeat(31),
        "WORKMATE_OPENCLAW_TOKEN", "gateway-secret",
        "WORKMATE_HTTP_PORT", "9000"), Map.of());

    assertEquals(io.workmate.runtime.Mode.REMOTE, settings.runtime().mode());
    assertEquals("ws://127.0.0.1:18789", settings.runtime().localUrl().orElseThrow().toString());
    assertEquals("wss", settings.runtime().remoteUrl().orElseThrow().getScheme());
    assertEquals(9000, settings.http().port());
    assertFalse(settings.toString().contains("gateway-secret"));

    InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.empty(), Map.of(
            "WORKMATE_MODE", "sideways",
            "WORKMATE_OPENCLAW_LOCAL_URL", "http://127.0.0.1:18789",
            "WORKMATE_OPENCLAW_REMOTE_URL", "ws://plain.example.com",
            "WORKMATE_OPENCLAW_REMOTE_FINGERPRINT", "not-hex",
            "WORKMATE_HTTP_PORT", "70000"), Map.of()));
    List<String> problems = e.problems();
    assertTrue(has(problems, "workmate.mode: unknown mode 'sideways'"), problems.toString());
    assertTrue(has(problems, "workmate.openclaw.local-url must be a ws:// or wss:// URL"),
        problems.toString());
    assertTrue(has(problems, "workmate.openclaw.remote-fingerprint must be a SHA-256"),
        problems.toString());
    assertTrue(has(problems, "workmate.http.port must be within 0..65535"), problems.toString());
  }

  @Test
  void aMissingOrBrokenConfigFileIsAClearError() throws Exception {
    InvalidSettingsException missing = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.of(tmp.resolve("nope.conf")), Map.of(), Map.of()));
    assertTrue(missing.getMessage().contains("nope.conf does not exist"), missing.getMessage());

    Path broken = tmp.resolve("broken.conf");
    Files.writeString(broken, "workmate { codex = [ \n");
    InvalidSettingsException unparsable = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.of(broken), Map.of(), Map.of()));
    assertTrue(unparsable.getMessage().contains("cannot read config file"),
        unparsable.getMessage());
  }

  @Test
  void mcpServersAreReadFromTheFile() throws Exception {
    Path file = tmp.resolve("mcp.conf");
    Files.writeString(file, "workmate.codex.mcp-servers {\n"
        + "  files { command = \"/usr/bin/env\", args = [\"files-mcp\"], env { LEVEL = info } }\n"
        + "  docs { url = \"https://mcp.example.com/mcp\", bearer-token-env-var = DOCS_TOKEN }\n"
        + "  broken { args = [] }\n"
        + "}\n");

    InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.of(file), Map.of(), Map.of()));
    assertTrue(has(e.problems(), "workmate.codex.mcp-servers.broken: needs either command"),
        e.problems().toString());

    Files.writeString(file, Files.readString(file).replace("  broken { args = [] }\n", ""));
    Map<String, McpServer> servers = load(Optional.of(file), Map.of(), Map.of())
        .codex().mcpServers();
    assertEquals(List.of("docs", "files"), List.copyOf(servers.keySet()));
    assertTrue(servers.get("files") instanceof McpServer.Stdio);
    assertTrue(servers.get("docs") instanceof McpServer.StreamableHttp);
  }

  private static boolean has(List<String> problems, String fragment) {
    return problems.stream().anyMatch(problem -> problem.contains(fragment));
  }

  @Test
  void jobAndJournalSettingsHaveDocumentedDefaultsAndEnvironmentOverrides() {
    WorkmateSettings defaults = load(Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString()),
        Map.of());
    assertEquals(4, defaults.jobs().maxConcurrent());
    assertEquals(3, defaults.jobs().defaultMaxAttempts());
    assertEquals(Duration.ofMinutes(10), defaults.jobs().defaultTimeout());
    assertEquals(Duration.ofSeconds(1), defaults.jobs().backoff().min());
    assertEquals(Duration.ofSeconds(60), defaults.jobs().backoff().max());
    assertFalse(defaults.jobs().echoAgent());
    assertEquals(Duration.ofMillis(2), defaults.jobs().ledgerWriteInterval());

    Map<String, String> env = Map.of("XDG_DATA_HOME", tmp.toString(),
        "WORKMATE_JOBS_MAX_CONCURRENT", "8", "WORKMATE_JOBS_ECHO_AGENT", "on",
        "WORKMATE_JOBS_BACKOFF_INITIAL", "250ms", "WORKMATE_JOBS_DEFAULT_TIMEOUT", "90s",
        "WORKMATE_JOBS_LEDGER_WRITE_INTERVAL", "0",
        "WORKMATE_JOURNAL_KIND", "postgres",
        "WORKMATE_JOURNAL_POSTGRES_PASSWORD", "pg-secret");
    Config config = WorkmateConfig.load(Optional.empty(), env, Map.of());
    WorkmateSettings settings = WorkmateSettings.from(config, env);
    assertEquals(8, settings.jobs().maxConcurrent());
    assertTrue(settings.jobs().echoAgent());
    assertEquals(Duration.ofMillis(250), settings.jobs().backoff().min());
    assertEquals(Duration.ofSeconds(90), settings.jobs().defaultTimeout());
    assertEquals(Duration.ZERO, settings.jobs().ledgerWriteInterval());
    io.workmate.persistence.JournalSettings journal =
        io.workmate.persistence.JournalSettings.fromConfig(config, settings.dataDir());
    assertEquals(io.workmate.persistence.JournalKind.POSTGRES, journal.kind());
    assertEquals("pg-secret", journal.postgresPassword());
    assertFalse(journal.toString().contains("pg-secret"), "the password is never printed");
  }

  @Test
  void badJobSettingsAreAllReportedByKey() {
    InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class, () -> load(
        Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString(),
            "WORKMATE_JOBS_MAX_CONCURRENT", "0", "WORKMATE_JOBS_DEFAULT_MAX_ATTEMPTS", "500",
            "WORKMATE_JOBS_BACKOFF_INITIAL", "soon", "WORKMATE_JOBS_ECHO_AGENT", "maybe",
            "WORKMATE_JOBS_LEDGER_WRITE_INTERVAL", "5s"),
        Map.of()));
    String problems = String.join("\n", invalid.problems());
    assertTrue(problems.contains("workmate.jobs.max-concurrent must be within 1..1024, got 0"),
        problems);
    assertTrue(problems.contains("workmate.jobs.default-max-attempts must be within 1..100"),
        problems);
    assertTrue(problems.contains("workmate.jobs.backoff.initial"), problems);
    assertTrue(problems.contains("workmate.jobs.echo-agent"), problems);
    assertTrue(problems.contains("workmate.jobs.ledger-write-interval must be within 0..1s, got PT5S"),
        problems);
  }

  @Test
  void anUnknownKeyIsReportedNamingTheClosestSettingWhileOpenMapsTakeAnyKey() throws Exception {
    Path file = tmp.resolve("typo.conf");
    Files.writeString(file, "workmate.jobs.max-concurent = 3\n"
        + "workmate.nonsense.entirely = 1\n"
        + "workmate.codex.limits.codex.cpu-time = 5s\n"
        + "workmate.home = /opt/workmate\n");
    InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class, () -> load(
        Optional.of(file), Map.of("XDG_DATA_HOME", tmp.toString()), Map.of()));
    String problems = String.join("\n", invalid.problems());
    assertTrue(problems.contains("unknown setting workmate.jobs.max-concurent (did you mean "
        + "workmate.jobs.max-concurrent?)"), problems);
    assertTrue(problems.contains("unknown setting workmate.nonsense.entirely;"), problems);
    assertFalse(problems.contains("limits"), "an agent's limits are an open map: " + problems);
    assertFalse(problems.contains("workmate.home"), "bin/workmate sets it: " + problems);
    assertEquals(2, invalid.problems().size(), problems);
  }

  @Test
  void badMemorySettingsAreReportedByKey() {
    InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class, () -> load(
        Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString(),
            "WORKMATE_MEMORY_TARGETS", "codex=main,reviewer",
            "WORKMATE_MEMORY_DEFAULT_TARGET", "not an id"),
        Map.of()));
    String problems = String.join("\n", invalid.problems());
    assertTrue(problems.contains("workmate.memory.targets must be comma-separated "
        + "workmate-agent=openclaw-agent pairs; 'reviewer' is not one"), problems);
    assertTrue(problems.contains("workmate.memory.default-target must be an agent id"),
        problems);
  }

  @Test
  void memoryTargetsAreRead() {
    WorkmateSettings settings = load(Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString(),
        "WORKMATE_MEMORY_TARGETS", "codex=main, reviewer=ops"), Map.of());
    assertEquals(Map.of("codex", "main", "reviewer", "ops"), settings.memory().targets());
    assertEquals("main", settings.memory().defaultTarget());
  }

  @Test
  void aTargetNamedTwiceIsReportedByKey() {
    InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class, () -> load(
        Optional.empty(), Map.of("XDG_DATA_HOME", tmp.toString(),
            "WORKMATE_MEMORY_TARGETS", "codex=main,codex=ops"), Map.of()));
    assertEquals(List.of("workmate.memory.targets names agent 'codex' twice ('main' and 'ops')"),
        invalid.problems());
  }

  @Test
  void everyDefaultIsTheHoconFilesAloneSoAKeyRemovedFromThemIsMissing() {
    Map<String, String> env = Map.of("XDG_DATA_HOME", tmp.toString());
    Config config = WorkmateConfig.load(Optional.empty(), env, Map.of());
    List<String> keys = new java.util.ArrayList<>();
    config.getConfig("workmate").entrySet()
        .forEach(entry -> keys.add("workmate." + entry.getKey()));
    // the journal's keys are read by JournalSettings, the blocking dispatcher's by Pekko
    keys.removeIf(key -> key.startsWith("workmate.journal.") || key.equals("workmate.home")
        || key.startsWith("workmate.blocking-dispatcher."));
    assertTrue(keys.size() > 50, "the settings: " + keys);
    for (String key : keys) {
      InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class,
          () -> WorkmateSettings.from(config.withoutPath(key), env), key);
      assertEquals(List.of(key + " is missing"), invalid.problems(), key);
    }
  }

  @Test
  void gatewayOpenClawHttpAndBackoffValuesAreCheckedByKey() throws Exception {
    Path file = tmp.resolve("bad.conf");
    Files.writeString(file, "workmate.ai-gateway.request-max-retries = 11\n"
        + "workmate.ai-gateway.stream-max-retries = -1\n"
        + "workmate.ai-gateway.model = \"\"\n"
        + "workmate.ai-gateway.provider-name = \" \"\n"
        + "workmate.openclaw.agent-id = \"\"\n"
        + "workmate.openclaw.stable-for = 90s\n"
        + "workmate.openclaw.reconnect-backoff.min = 10s\n"
        + "workmate.http.host = \"\"\n"
        + "workmate.scripted-provider.port = 70000\n"
        + "workmate.jobs.backoff.multiplier = 0.5\n"
        + "workmate.jobs.backoff.jitter = 1.5\n"
        + "workmate.codex.restart-backoff.max = 100ms\n"
        + "workmate.service.status-interval = 0s\n"
        + "workmate.service.test-hooks = sometimes\n");
    InvalidSettingsException invalid = assertThrows(InvalidSettingsException.class,
        () -> load(Optional.of(file), Map.of("XDG_DATA_HOME", tmp.toString()), Map.of()));
    List<String> problems = invalid.problems();
    for (String expected : List.of(
        "workmate.ai-gateway.request-max-retries must be within 0..10, got 11",
        "workmate.ai-gateway.stream-max-retries must be within 0..10, got -1",
        "workmate.ai-gateway.model must be a model slug such as gpt-5.5, got an empty value",
        "workmate.ai-gateway.provider-name must be a display name, got an empty value",
        "workmate.openclaw.agent-id must be the id of an OpenClaw agent, got an empty value",
        "workmate.openclaw.max-stable-for (PT1M) must not be below workmate.openclaw.stable-for "
            + "(PT1M30S)",
        "workmate.openclaw.reconnect-backoff: backoff max PT5S is below min PT10S",
        "workmate.http.host must be a host name or address, got an empty value",
        "workmate.scripted-provider.port must be within 0..65535, got 70000",
        "workmate.jobs.backoff.multiplier must be within 1.0..100.0, got 0.5",
        "workmate.jobs.backoff.jitter must be within 0.0..1.0, got 1.5",
        "workmate.codex.restart-backoff: backoff max PT0.1S is below min PT0.2S",
        "workmate.service.status-interval must be a positive duration such as 30s or 5m, got PT0S")) {
      assertTrue(problems.contains(expected), expected + " in " + problems);
    }
    assertTrue(has(problems, "workmate.service.test-hooks: "), problems.toString());
    assertEquals(14, problems.size(), problems.toString());
  }
}
