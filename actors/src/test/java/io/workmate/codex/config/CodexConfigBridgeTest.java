package io.workmate.codex.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CodexConfigBridgeTest {

  private static final TomlMapper TOML = new TomlMapper();

  /** What the gateway key would be; it lives only in the environment, never in config.toml. */
  private static final String API_KEY_VALUE = "sk-workmate-test-9f8e7d";

  private final CodexConfigBridge bridge = new CodexConfigBridge();

  @TempDir Path tmp;

  @Test
  void rendersEveryKeyCodexNeeds() throws IOException {
    JsonNode toml = TOML.readTree(bridge.render(sampleConfig()));

    assertEquals(
        Set.of(
            "model",
            "model_provider",
            "approval_policy",
            "sandbox_mode",
            "model_providers",
            "mcp_servers",
            "features"),
        fieldNames(toml));
    assertAll(
        () -> assertEquals("gpt-5.5", toml.path("model").asText()),
        () -> assertEquals("workmate", toml.path("model_provider").asText()),
        () -> assertEquals("on-request", toml.path("approval_policy").asText()),
        () -> assertEquals("workspace-write", toml.path("sandbox_mode").asText()),
        () -> assertEquals(Set.of("workmate"), fieldNames(toml.path("model_providers"))),
        () -> assertEquals(Set.of("plugins"), fieldNames(toml.path("features"))),
        () -> assertTrue(toml.path("features").path("plugins").isBoolean()),
        () -> assertFalse(toml.path("features").path("plugins").asBoolean(true)));
  }

  @Test
  void rendersTheProviderTable() throws IOException {
    JsonNode provider =
        TOML.readTree(bridge.render(sampleConfig())).path("model_providers").path("workmate");

    assertEquals(
        Set.of(
            "name",
            "base_url",
            "env_key",
            "wire_api",
            "request_max_retries",
            "stream_max_retries",
            "stream_idle_timeout_ms"),
        fieldNames(provider));
    assertAll(
        () -> assertEquals("Workmate gateway", provider.path("name").asText()),
        () -> assertEquals("http://127.0.0.1:8080/v1", provider.path("base_url").asText()),
        () -> assertEquals("WORKMATE_API_KEY", provider.path("env_key").asText()),
        () -> assertEquals("responses", provider.path("wire_api").asText()),
        () -> assertTrue(provider.path("request_max_retries").isIntegralNumber()),
        () -> assertEquals(1, provider.path("request_max_retries").asInt()),
        () -> assertEquals(2, provider.path("stream_max_retries").asInt()),
        () -> assertEquals(45_000L, provider.path("stream_idle_timeout_ms").asLong()));
  }

  @Test
  void rendersBothMcpTransports() throws IOException {
    JsonNode servers = TOML.readTree(bridge.render(sampleConfig())).path("mcp_servers");

    assertEquals(List.of("files", "docs"), orderedFieldNames(servers));
    JsonNode files = servers.path("files");
    assertEquals(Set.of("command", "args", "env", "cwd"), fieldNames(files));
    assertEquals("/usr/bin/env", files.path("command").asText());
    assertEquals(List.of("files-mcp", "--root", "/srv/work"), texts(files.path("args")));
    assertEquals("info", files.path("env").path("LOG_LEVEL").asText());
    assertEquals("/srv/work", files.path("cwd").asText());
    JsonNode docs = servers.path("docs");
    assertEquals(Set.of("url", "bearer_token_env_var"), fieldNames(docs));
    assertEquals("https://mcp.example.com/mcp", docs.path("url").asText());
    assertEquals("DOCS_MCP_TOKEN", docs.path("bearer_token_env_var").asText());
  }

  @Test
  void omitsOptionalMcpKeysAndEmptyMcpSection() throws IOException {
    CodexConfig minimal =
        TestCodex.builder()
            .mcpServer("bare", McpServer.Stdio.of("/usr/bin/bare-mcp"))
            .mcpServer("open", McpServer.StreamableHttp.of(URI.create("http://127.0.0.1:9/mcp")))
            .build();
    JsonNode servers = TOML.readTree(bridge.render(minimal)).path("mcp_servers");

    assertEquals(Set.of("command"), fieldNames(servers.path("bare")));
    assertEquals(Set.of("url"), fieldNames(servers.path("open")));
    assertFalse(TOML.readTree(bridge.render(TestCodex.builder().build())).has("mcp_servers"));
  }

  @Test
  void escapesSpecialCharactersSoTheyRoundTrip() throws IOException {
    String name = "Quote \" backslash \\ apostrophe ' é ☃ 😀 \u00a0";
    String arg = "line1\nline2 \"quoted\" C:\\path\\to 'single' \u0007bell\ttab";
    String envValue = "=;$HOME `cmd` \\n literally \u2028 end";
    CodexConfig config =
        TestCodex.builder()
            .provider(new ModelProvider("gw", name, URI.create("http://127.0.0.1:1/v1"), "KEY"))
            .model("gpt-5.5 \"beta\" ☃")
            .mcpServer(
                "tricky",
                McpServer.Stdio.of("/bin/echo", arg, "").withEnv(Map.of("TRICKY", envValue)))
            .build();

    String text = bridge.render(config);
    JsonNode toml = TOML.readTree(text);

    assertEquals(name, toml.path("model_providers").path("gw").path("name").asText());
    assertEquals("gpt-5.5 \"beta\" ☃", toml.path("model").asText());
    assertEquals(List.of(arg, ""), texts(toml.path("mcp_servers").path("tricky").path("args")));
    assertEquals(
        envValue, toml.path("mcp_servers").path("tricky").path("env").path("TRICKY").asText());
    // Newlines, tabs and BEL inside values are escaped, so every line is still one `key = value`.
    assertTrue(
        text.lines().allMatch(line -> line.matches("(?s)[A-Za-z0-9_.-]+ = \\S.*")),
        () -> "unexpected line structure:\n" + text);
    // And Codex's own TOML parser reads the same text.
    Path home = tmp.resolve("codex-home");
    bridge.write(home, config);
    StartupCheck check = bridge.verify(TestCodex.realBinary(), home, Map.of());
    assertFalse(check.appServerVersion().isBlank());
  }

  @Test
  void theApiKeyValueNeverReachesTheFile() throws IOException {
    Path home = tmp.resolve("codex-home");
    Path file = bridge.write(home, sampleConfig());
    bridge.verify(
        TestCodex.realBinary(),
        home,
        Map.of("WORKMATE_API_KEY", API_KEY_VALUE, "DOCS_MCP_TOKEN", API_KEY_VALUE));

    String text = Files.readString(file);
    assertTrue(text.contains("WORKMATE_API_KEY"), "the variable's name is in the file");
    assertFalse(text.contains(API_KEY_VALUE), "the key itself is not");
  }

  @Test
  void writeCreatesTheHomeAndAnOwnerOnlyFile() throws IOException {
    Path home = tmp.resolve("a").resolve("codex-home");

    Path file = bridge.write(home, sampleConfig());

    assertEquals(home.resolve("config.toml"), file);
    assertEquals(bridge.render(sampleConfig()), Files.readString(file));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(List.of(file), listing(home), "no temp file is left behind");
  }

  @Test
  void writeReplacesAnExistingConfig() throws IOException {
    Path home = Files.createDirectories(tmp.resolve("codex-home"));
    Files.writeString(home.resolve("config.toml"), "model = \"old\"\n");
    Files.setPosixFilePermissions(
        home.resolve("config.toml"), PosixFilePermissions.fromString("rw-r--r--"));
    CodexConfig updated = TestCodex.builder().model("gpt-5.4").build();

    Path file = bridge.write(home, updated);

    assertEquals("gpt-5.4", TOML.readTree(Files.readString(file)).path("model").asText());
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(List.of(file), listing(home));
  }

  @Test
  void realCodexAcceptsTheRenderedConfig() throws IOException {
    Path binary = TestCodex.realBinary();
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());

    StartupCheck check = bridge.verify(binary, home, Map.of("WORKMATE_API_KEY", API_KEY_VALUE));

    assertTrue(
        CodexBinary.version(binary).endsWith(" " + check.appServerVersion()),
        () ->
            "app-server version "
                + check.appServerVersion()
                + " vs "
                + CodexBinary.version(binary));
    assertTrue(
        check.configRequirements().isObject(),
        () -> "configRequirements: " + check.configRequirements());
  }

  @Test
  void realCodexAcceptsSpecialCharactersAndEveryOption() throws IOException {
    CodexConfig config =
        sampleConfig().toBuilder()
            .provider(
                new ModelProvider(
                    "gw_2",
                    "Gate \"way\" \\ é ☃",
                    URI.create("https://gw.example.com:8443/openai/v1"),
                    "GW_KEY"))
            .sandbox(SandboxMode.DANGER_FULL_ACCESS)
            .approvalPolicy(ApprovalPolicy.NEVER)
            .mcpServer(
                "tricky",
                McpServer.Stdio.of("/bin/echo", "a \"b\"\nc", "C:\\x")
                    .withEnv(Map.of("V", "'\"\\☃")))
            .build();
    Path home = tmp.resolve("codex-home");
    bridge.write(home, config);

    StartupCheck check = bridge.verify(TestCodex.realBinary(), home, Map.of());

    assertFalse(check.appServerVersion().isBlank());
  }

  @ParameterizedTest
  @EnumSource(SandboxMode.class)
  void realCodexAcceptsEverySandboxMode(SandboxMode sandbox) throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, TestCodex.builder().sandbox(sandbox).build());

    assertFalse(bridge.verify(TestCodex.realBinary(), home, Map.of()).appServerVersion().isBlank());
  }

  @ParameterizedTest
  @EnumSource(value = ApprovalPolicy.class, names = "UNTRUSTED", mode = EnumSource.Mode.EXCLUDE)
  void realCodexAcceptsEveryAllowedApprovalPolicy(ApprovalPolicy policy) throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, TestCodex.builder().approvalPolicy(policy).build());

    assertFalse(bridge.verify(TestCodex.realBinary(), home, Map.of()).appServerVersion().isBlank());
  }

  @Test
  void realCodexStillRejectsUntrustedInConfigFile() throws IOException {
    // Why CodexConfig refuses UNTRUSTED: if a Codex upgrade accepts it again, this test says so.
    Path home = Files.createDirectories(tmp.resolve("codex-home"));
    ObjectNode toml = (ObjectNode) TOML.readTree(bridge.render(TestCodex.builder().build()));
    toml.put("approval_policy", ApprovalPolicy.UNTRUSTED.wire());
    Files.writeString(home.resolve("config.toml"), TOML.writeValueAsString(toml));

    InvalidCodexConfigException e =
        assertThrows(
            InvalidCodexConfigException.class,
            () -> bridge.verify(TestCodex.realBinary(), home, Map.of()));

    assertTrue(
        e.problems().get(0).contains("approval_policy = \"untrusted\" is no longer supported"),
        e::getMessage);
  }

  @Test
  void reportsCodexOwnErrorForAConfigItRejects() throws IOException {
    Path home = tmp.resolve("codex-home");
    String rendered = bridge.render(TestCodex.builder().build());
    Files.createDirectories(home);
    // Codex 0.169.0 dropped the Chat Completions wire API; only Codex knows that, Workmate never
    // writes it.
    Files.writeString(
        home.resolve("config.toml"),
        rendered.replace("'responses'", "'chat'").replace("\"responses\"", "\"chat\""));
    assertTrue(
        Files.readString(home.resolve("config.toml")).contains("chat"),
        "test setup: wire_api was replaced");

    InvalidCodexConfigException e =
        assertThrows(
            InvalidCodexConfigException.class,
            () -> bridge.verify(TestCodex.realBinary(), home, Map.of()));

    assertEquals(1, e.problems().size(), () -> "problems: " + e.problems());
    String problem = e.problems().get(0);
    assertTrue(problem.contains("`wire_api = \"chat\"` is no longer supported"), problem);
    assertTrue(
        problem.contains(home.resolve("config.toml").toString()),
        "Codex names the file: " + problem);
    assertTrue(
        e.getMessage()
            .startsWith("Codex rejected " + home.resolve("config.toml") + " (configLoad)"),
        e::getMessage);
  }

  @Test
  void reportsCodexErrorForAnMcpTableItRejects() throws IOException {
    Path home = Files.createDirectories(tmp.resolve("codex-home"));
    // A literal token instead of an env var name: proves Codex really parses [mcp_servers.*].
    Files.writeString(
        home.resolve("config.toml"),
        "[mcp_servers.docs]\nurl = \"http://127.0.0.1:9/mcp\"\nbearer_token = \"abc\"\n");

    InvalidCodexConfigException e =
        assertThrows(
            InvalidCodexConfigException.class,
            () -> bridge.verify(TestCodex.realBinary(), home, Map.of()));

    assertTrue(e.problems().get(0).contains("bearer_token is not supported"), e::getMessage);
  }

  @Test
  void verifyRefusesAHomeWithoutConfig() {
    InvalidCodexConfigException e =
        assertThrows(
            InvalidCodexConfigException.class,
            () -> bridge.verify(TestCodex.realBinary(), tmp, Map.of()));

    assertTrue(e.problems().get(0).startsWith("no config.toml in " + tmp), e::getMessage);
  }

  @Test
  void verifyPassesExactlyTheGivenEnvironmentPlusCodexHome() throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());
    Path envDump = tmp.resolve("env.txt");
    Path fake =
        TestCodex.script(
            tmp.resolve("bin/codex"),
            "/usr/bin/env > '"
                + envDump
                + "'\necho '{\"appServerVersion\":\"fake\",\"configRequirements\":{}}'");

    StartupCheck check = bridge.verify(fake, home, Map.of("ONLY_THIS", "1"));

    assertEquals("fake", check.appServerVersion());
    Set<String> names = new TreeSet<>();
    Files.readAllLines(envDump).forEach(line -> names.add(line.substring(0, line.indexOf('='))));
    names.removeAll(Set.of("PWD", "SHLVL", "_")); // /bin/sh adds these itself
    assertEquals(Set.of("CODEX_HOME", "ONLY_THIS"), names);
    assertTrue(Files.readAllLines(envDump).contains("CODEX_HOME=" + home.toAbsolutePath()));
  }

  @Test
  void verifyDrainsLargeOutputWithoutDeadlock() throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());
    // 3 MB on stderr, far beyond a pipe buffer: an undrained pipe would block the script forever.
    Path fake =
        TestCodex.script(
            tmp.resolve("bin/codex"),
            "head -c 3000000 /dev/zero | tr '\\000' 'w' >&2\n"
                + "echo 'banner line'\n"
                + "echo '{\"appServerVersion\":\"big\",\"configRequirements\":{\"requirements\":null}}'");

    StartupCheck check = bridge.verify(fake, home, Map.of("PATH", "/usr/bin:/bin"));

    assertEquals("big", check.appServerVersion());
    assertEquals(1, check.warnings().size());
    assertEquals(1 << 20, check.warnings().get(0).length(), "stderr is capped at 1 MiB");
  }

  @Test
  void verifyKillsAHangingCodex() throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());
    Path pidFile = tmp.resolve("pid");
    Path fake =
        TestCodex.script(tmp.resolve("bin/codex"), "echo $$ > '" + pidFile + "'\nexec sleep 600");
    CodexConfigBridge impatient = new CodexConfigBridge(Duration.ofSeconds(2));

    CodexProcessException e =
        assertThrows(
            CodexProcessException.class,
            () -> impatient.verify(fake, home, Map.of("PATH", "/usr/bin:/bin")));

    assertTrue(e.getMessage().contains("did not finish within PT2S and was killed"), e::getMessage);
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertFalse(
        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
        "the hung process is gone");
  }

  @Test
  void verifyReportsAFailingBinaryWithoutJson() throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());
    Path fake = TestCodex.script(tmp.resolve("bin/codex"), "echo 'boom: cannot start' >&2\nexit 3");

    InvalidCodexConfigException e =
        assertThrows(InvalidCodexConfigException.class, () -> bridge.verify(fake, home, Map.of()));

    assertEquals(List.of("codex exited with code 3: boom: cannot start"), e.problems());
  }

  @Test
  void verifyReportsAMissingBinary() throws IOException {
    Path home = tmp.resolve("codex-home");
    bridge.write(home, sampleConfig());

    CodexProcessException e =
        assertThrows(
            CodexProcessException.class,
            () -> bridge.verify(tmp.resolve("no-such-codex"), home, Map.of()));

    assertTrue(
        e.getMessage().startsWith("could not start '" + tmp.resolve("no-such-codex") + "'"),
        e::getMessage);
  }

  @Test
  void rejectsANonPositiveVerifyTimeout() {
    assertThrows(IllegalArgumentException.class, () -> new CodexConfigBridge(Duration.ZERO));
  }

  /** One of everything: both MCP transports with all their optional keys. */
  static CodexConfig sampleConfig() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LOG_LEVEL", "info");
    return TestCodex.builder()
        .requestMaxRetries(1)
        .streamMaxRetries(2)
        .streamIdleTimeout(Duration.ofSeconds(45))
        .mcpServer(
            "files",
            McpServer.Stdio.of("/usr/bin/env", "files-mcp", "--root", "/srv/work")
                .withEnv(env)
                .withCwd(Path.of("/srv/work")))
        .mcpServer(
            "docs",
            McpServer.StreamableHttp.of(URI.create("https://mcp.example.com/mcp"))
                .withBearerTokenEnvVar("DOCS_MCP_TOKEN"))
        .build();
  }

  private static Set<String> fieldNames(JsonNode node) {
    return new TreeSet<>(orderedFieldNames(node));
  }

  private static List<String> orderedFieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static List<Path> listing(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.toList();
    }
  }
}
