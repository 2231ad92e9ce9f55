package io.workmate.codex.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One MCP server Codex may use, rendered as {@code [mcp_servers.<name>]}. Codex 0.169.0 tells the
 * transport apart by which keys are present ({@code command} vs {@code url}) and rejects a table
 * that has both, so the two variants are separate types here.
 */
public sealed interface McpServer permits McpServer.Stdio, McpServer.StreamableHttp {

  /** A server Codex starts as a child process and talks to over stdin/stdout. */
  record Stdio(String command, List<String> args, Map<String, String> env, Optional<Path> cwd)
      implements McpServer {

    public Stdio {
      // Nulls are normalised, not rejected: an absent list or map simply means "none".
      // Null elements survive the copy so that validation can name them.
      args = args == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(args));
      env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
      cwd = cwd == null ? Optional.empty() : cwd;
    }

    public static Stdio of(String command, String... args) {
      return new Stdio(command, List.of(args), Map.of(), Optional.empty());
    }

    public Stdio withEnv(Map<String, String> newEnv) {
      return new Stdio(command, args, newEnv, cwd);
    }

    public Stdio withCwd(Path newCwd) {
      return new Stdio(command, args, env, Optional.ofNullable(newCwd));
    }
  }

  /**
   * A server reached over MCP's streamable HTTP transport.
   *
   * @param bearerTokenEnvVar the NAME of the environment variable whose value Codex sends as {@code
   *     Authorization: Bearer ...}; Codex refuses a literal {@code bearer_token}
   */
  record StreamableHttp(URI url, Optional<String> bearerTokenEnvVar) implements McpServer {

    public StreamableHttp {
      bearerTokenEnvVar = bearerTokenEnvVar == null ? Optional.empty() : bearerTokenEnvVar;
    }

    public static StreamableHttp of(URI url) {
      return new StreamableHttp(url, Optional.empty());
    }

    public StreamableHttp withBearerTokenEnvVar(String envVar) {
      return new StreamableHttp(url, Optional.ofNullable(envVar));
    }
  }
}
