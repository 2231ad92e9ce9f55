package io.workmate.codex.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CodexConfigTest {

  private static final URI GATEWAY = URI.create("https://gateway.example.com/v1");

  @Test
  void builderFillsInWorkmateDefaults() {
    CodexConfig config = TestCodex.builder().build();

    assertAll(
        () -> assertEquals("gpt-5.5", config.model()),
        () -> assertEquals(TestCodex.provider(), config.provider()),
        () -> assertEquals(SandboxMode.WORKSPACE_WRITE, config.sandbox()),
        () -> assertEquals(ApprovalPolicy.ON_REQUEST, config.approvalPolicy()),
        () -> assertEquals(Map.of(), config.mcpServers()),
        () -> assertEquals(0, config.requestMaxRetries()),
        () -> assertEquals(0, config.streamMaxRetries()),
        () -> assertEquals(Duration.ofSeconds(300), config.streamIdleTimeout()));
  }

  @Test
  void toBuilderReproducesTheConfig() {
    CodexConfig config =
        TestCodex.builder()
            .model("gpt-5.4")
            .sandbox(SandboxMode.READ_ONLY)
            .approvalPolicy(ApprovalPolicy.NEVER)
            .mcpServer("files", McpServer.Stdio.of("/usr/bin/files-mcp"))
            .requestMaxRetries(2)
            .streamMaxRetries(3)
            .streamIdleTimeout(Duration.ofSeconds(20))
            .build();

    assertEquals(config, config.toBuilder().build());
  }

  @Test
  void mcpServersAreCopiedAndKeepTheirOrder() {
    Map<String, McpServer> servers = new java.util.LinkedHashMap<>();
    servers.put("zeta", McpServer.Stdio.of("z"));
    servers.put("alpha", McpServer.Stdio.of("a"));
    CodexConfig config =
        new CodexConfig(
            "gpt-5.5",
            TestCodex.provider(),
            SandboxMode.READ_ONLY,
            ApprovalPolicy.NEVER,
            servers,
            0,
            0,
            Duration.ofSeconds(1));
    servers.put("later", McpServer.Stdio.of("l"));

    assertEquals(List.of("zeta", "alpha"), new ArrayList<>(config.mcpServers().keySet()));
    assertThrows(
        UnsupportedOperationException.class,
        () -> config.mcpServers().put("x", McpServer.Stdio.of("x")));
  }

  @Test
  void acceptsBoundaryValues() {
    CodexConfig config =
        TestCodex.builder()
            .provider(new ModelProvider("a".repeat(64), "n", URI.create("HTTPS://h:1"), "_"))
            .requestMaxRetries(10)
            .streamMaxRetries(0)
            .streamIdleTimeout(Duration.ofMillis(1))
            .mcpServer(
                "A_b-9", McpServer.StreamableHttp.of(URI.create("http://mcp.local/mcp?team=1")))
            .build();

    assertEquals(10, config.requestMaxRetries());
  }

  static Stream<Arguments> singleProblems() {
    return Stream.of(
        problem("blank model", b -> b.model("  "), "model must not be blank"),
        problem("null model", b -> b.model(null), "model must not be blank"),
        problem(
            "model with newline",
            b -> b.model("gpt\n5"),
            "model 'gpt\\u000A5' contains control character U+000A at index 3"),
        problem("missing provider", b -> b.provider(null), "provider is required"),
        problem(
            "provider id with space",
            b -> b.provider(provider("my gw", GATEWAY, "KEY")),
            "provider.id 'my gw' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'"),
        problem(
            "provider id too long",
            b -> b.provider(provider("x".repeat(65), GATEWAY, "KEY")),
            "provider.id 'xxx"),
        problem(
            "reserved provider id",
            b -> b.provider(provider("openai", GATEWAY, "KEY")),
            "provider.id 'openai' is reserved by Codex for a built-in provider"),
        problem(
            "blank provider name",
            b -> b.provider(new ModelProvider("gw", " ", GATEWAY, "KEY")),
            "provider.name must not be blank"),
        problem(
            "missing base URL",
            b -> b.provider(provider("gw", null, "KEY")),
            "provider.baseUrl is required"),
        problem(
            "relative base URL",
            b -> b.provider(provider("gw", URI.create("/v1"), "KEY")),
            "provider.baseUrl '/v1' must be an absolute http:// or https:// URL"),
        problem(
            "ftp base URL",
            b -> b.provider(provider("gw", URI.create("ftp://gw.example.com/v1"), "KEY")),
            "provider.baseUrl 'ftp://gw.example.com/v1' must use http or https, not ftp"),
        problem(
            "base URL without host",
            b -> b.provider(provider("gw", URI.create("http:///v1"), "KEY")),
            "provider.baseUrl 'http:///v1' has no host"),
        problem(
            "base URL with query",
            b -> b.provider(provider("gw", URI.create("https://gw/v1?x=1"), "KEY")),
            "provider.baseUrl 'https://gw/v1?x=1' must not contain a query"),
        problem(
            "base URL with fragment",
            b -> b.provider(provider("gw", URI.create("https://gw/v1#top"), "KEY")),
            "provider.baseUrl 'https://gw/v1#top' must not contain a fragment"),
        problem(
            "env key with dash",
            b -> b.provider(provider("gw", GATEWAY, "API-KEY")),
            "provider.envKey 'API-KEY' is not an environment variable name"),
        problem(
            "env key starting with digit",
            b -> b.provider(provider("gw", GATEWAY, "1KEY")),
            "provider.envKey '1KEY' is not an environment variable name"),
        problem(
            "missing env key",
            b -> b.provider(provider("gw", GATEWAY, null)),
            "provider.envKey is required"),
        problem(
            "missing sandbox",
            b -> b.sandbox(null),
            "sandbox is required; one of read-only, workspace-write, danger-full-access"),
        problem(
            "missing approval policy",
            b -> b.approvalPolicy(null),
            "approvalPolicy is required; one of untrusted, on-request, never"),
        problem(
            "untrusted as config default",
            b -> b.approvalPolicy(ApprovalPolicy.UNTRUSTED),
            "approvalPolicy 'untrusted' is rejected by Codex in config.toml"),
        problem(
            "negative request retries",
            b -> b.requestMaxRetries(-1),
            "requestMaxRetries is -1 but must be between 0 and 10"),
        problem(
            "too many stream retries",
            b -> b.streamMaxRetries(11),
            "streamMaxRetries is 11 but must be between 0 and 10"),
        problem(
            "zero idle timeout",
            b -> b.streamIdleTimeout(Duration.ZERO),
            "streamIdleTimeout must be positive (at least 1 ms), was PT0S"),
        problem(
            "negative idle timeout",
            b -> b.streamIdleTimeout(Duration.ofSeconds(-5)),
            "streamIdleTimeout must be positive"),
        problem(
            "sub-millisecond idle timeout",
            b -> b.streamIdleTimeout(Duration.ofNanos(10)),
            "streamIdleTimeout must be positive"),
        problem(
            "huge idle timeout",
            b -> b.streamIdleTimeout(Duration.ofSeconds(Long.MAX_VALUE)),
            "streamIdleTimeout must be at most PT24H"),
        problem(
            "missing idle timeout",
            b -> b.streamIdleTimeout(null),
            "streamIdleTimeout is required"),
        problem(
            "MCP server name with dot",
            b -> b.mcpServer("my.server", McpServer.Stdio.of("x")),
            "mcpServers key 'my.server' must be 1 to 64 characters"),
        problem("null MCP server", b -> b.mcpServer("files", null), "mcpServers.files is null"),
        problem(
            "blank MCP command",
            b -> b.mcpServer("files", McpServer.Stdio.of(" ")),
            "mcpServers.files.command must not be blank"),
        problem(
            "null MCP argument",
            b ->
                b.mcpServer(
                    "files",
                    new McpServer.Stdio("x", Arrays.asList("a", null), Map.of(), Optional.empty())),
            "mcpServers.files.args[1] is null"),
        problem(
            "NUL in MCP argument",
            b -> b.mcpServer("files", McpServer.Stdio.of("x", "a\0b")),
            "mcpServers.files.args[0] contains a NUL character"),
        problem(
            "bad MCP env name",
            b -> b.mcpServer("files", McpServer.Stdio.of("x").withEnv(Map.of("MY-VAR", "1"))),
            "mcpServers.files.env key 'MY-VAR' is not an environment variable name"),
        problem(
            "null MCP env value",
            b -> b.mcpServer("files", McpServer.Stdio.of("x").withEnv(nullValued("HOME"))),
            "mcpServers.files.env.HOME is null"),
        problem(
            "relative MCP cwd",
            b -> b.mcpServer("files", McpServer.Stdio.of("x").withCwd(Path.of("work"))),
            "mcpServers.files.cwd 'work' must be an absolute path"),
        problem(
            "MCP URL with ws scheme",
            b -> b.mcpServer("web", McpServer.StreamableHttp.of(URI.create("ws://mcp/x"))),
            "mcpServers.web.url 'ws://mcp/x' must use http or https, not ws"),
        problem(
            "MCP URL missing",
            b -> b.mcpServer("web", McpServer.StreamableHttp.of(null)),
            "mcpServers.web.url is required"),
        problem(
            "bad MCP bearer env var",
            b ->
                b.mcpServer(
                    "web",
                    McpServer.StreamableHttp.of(URI.create("http://mcp/x"))
                        .withBearerTokenEnvVar("TOKEN VALUE")),
            "mcpServers.web.bearerTokenEnvVar 'TOKEN VALUE' is not an environment variable name"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("singleProblems")
  void reportsEachProblemSpecifically(
      String description, UnaryOperator<CodexConfig.Builder> change, String expected) {
    CodexConfig.Builder builder = change.apply(TestCodex.builder());

    InvalidCodexConfigException e = assertThrows(InvalidCodexConfigException.class, builder::build);

    assertEquals(1, e.problems().size(), () -> "expected exactly one problem, got " + e.problems());
    assertTrue(
        e.problems().get(0).contains(expected),
        () -> "problem '" + e.problems().get(0) + "' lacks '" + expected + "'");
    assertTrue(e.getMessage().contains(expected), e::getMessage);
  }

  @Test
  void reportsAllProblemsTogether() {
    CodexConfig.Builder builder =
        CodexConfig.builder(new ModelProvider("bad id", "", URI.create("ftp://gw/v1"), "KEY-1"))
            .model("")
            .requestMaxRetries(42)
            .streamIdleTimeout(Duration.ofSeconds(-1))
            .mcpServer("files", McpServer.Stdio.of(""));

    InvalidCodexConfigException e = assertThrows(InvalidCodexConfigException.class, builder::build);

    List<String> expected =
        List.of(
            "model must not be blank",
            "provider.id 'bad id'",
            "provider.name must not be blank",
            "provider.baseUrl 'ftp://gw/v1' must use http or https",
            "provider.envKey 'KEY-1'",
            "mcpServers.files.command must not be blank",
            "requestMaxRetries is 42",
            "streamIdleTimeout must be positive");
    assertEquals(expected.size(), e.problems().size(), () -> "problems: " + e.problems());
    for (int i = 0; i < expected.size(); i++) {
      String problem = e.problems().get(i);
      String fragment = expected.get(i);
      assertTrue(
          problem.startsWith(fragment),
          () -> "'" + problem + "' should start with '" + fragment + "'");
      assertTrue(e.getMessage().contains(problem), "the message lists every problem");
    }
    assertTrue(e.getMessage().startsWith("invalid Codex config (8 problems)"), e::getMessage);
  }

  @Test
  void urlProblemsNeverShowTheUserInfo() {
    CodexConfig.Builder builder =
        TestCodex.builder()
            .provider(provider("gw", URI.create("https://bob:s3cret-pw@gw.example.com/v1"), "KEY"));

    InvalidCodexConfigException e = assertThrows(InvalidCodexConfigException.class, builder::build);

    assertEquals(
        List.of(
            "provider.baseUrl 'https://***@gw.example.com/v1' must not contain user-info; "
                + "pass credentials through an environment variable"),
        e.problems());
    assertFalse(e.getMessage().contains("s3cret-pw"), e::getMessage);
  }

  @Test
  void validationIsPartOfTheRecordConstructor() {
    assertThrows(
        InvalidCodexConfigException.class,
        () ->
            new CodexConfig(
                "gpt-5.5",
                TestCodex.provider(),
                SandboxMode.READ_ONLY,
                ApprovalPolicy.NEVER,
                null,
                99,
                0,
                Duration.ofSeconds(1)));
  }

  @Test
  void invalidConfigExceptionIsAnIllegalArgumentException() {
    InvalidCodexConfigException e = new InvalidCodexConfigException("bad", List.of("one"));

    assertTrue(e instanceof IllegalArgumentException);
    assertEquals("bad (1 problem)" + System.lineSeparator() + "  - one", e.getMessage());
  }

  private static Arguments problem(
      String description, UnaryOperator<CodexConfig.Builder> change, String expected) {
    return Arguments.of(description, change, expected);
  }

  private static ModelProvider provider(String id, URI baseUrl, String envKey) {
    return new ModelProvider(id, "Gateway", baseUrl, envKey);
  }

  private static Map<String, String> nullValued(String key) {
    Map<String, String> env = new HashMap<>();
    env.put(key, null);
    return env;
  }
}
