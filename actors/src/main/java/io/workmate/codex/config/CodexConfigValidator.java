package io.workmate.codex.config;

import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@link CodexConfig} before Codex sees it. Collects every problem instead of stopping at
 * the first, and names each by its field path (e.g. {@code mcpServers.files.env key 'A-B'}) so the
 * message says exactly what to fix. Secrets never appear: URLs are shown without user-info.
 */
final class CodexConfigValidator {

  /** Provider ids and MCP server names become TOML keys and Codex identifiers. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** POSIX portable environment variable names. */
  static final Pattern ENV_VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  static final int MAX_RETRIES = 10;

  /**
   * Past a day a stalled gateway would hold a turn forever in practice; also keeps millis in range.
   */
  static final Duration MAX_STREAM_IDLE_TIMEOUT = Duration.ofDays(1);

  /**
   * Provider ids Codex 0.169.0 reserves for its built-in providers; it refuses to load a config
   * that redefines them (measured with {@code --print-startup-config}).
   */
  static final Set<String> RESERVED_PROVIDER_IDS =
      Set.of("openai", "ollama", "lmstudio", "amazon-bedrock");

  private final List<String> problems = new ArrayList<>();

  private CodexConfigValidator() {}

  /**
   * @throws InvalidCodexConfigException listing every problem, if there is any
   */
  static void check(
      String model,
      ModelProvider provider,
      SandboxMode sandbox,
      ApprovalPolicy approvalPolicy,
      Map<String, McpServer> mcpServers,
      int requestMaxRetries,
      int streamMaxRetries,
      Duration streamIdleTimeout) {
    CodexConfigValidator validator = new CodexConfigValidator();
    validator.checkText("model", model);
    validator.checkProvider(provider);
    validator.checkPresent("sandbox", sandbox, SandboxMode.allowed());
    validator.checkPresent("approvalPolicy", approvalPolicy, ApprovalPolicy.allowed());
    validator.checkConfigFileApprovalPolicy(approvalPolicy);
    validator.checkMcpServers(mcpServers);
    validator.checkRetries("requestMaxRetries", requestMaxRetries);
    validator.checkRetries("streamMaxRetries", streamMaxRetries);
    validator.checkIdleTimeout(streamIdleTimeout);
    if (!validator.problems.isEmpty()) {
      throw new InvalidCodexConfigException("invalid Codex config", validator.problems);
    }
  }

  private void checkProvider(ModelProvider provider) {
    if (provider == null) {
      problems.add("provider is required (the gateway Codex sends model requests to)");
      return;
    }
    checkName("provider.id", provider.id());
    if (RESERVED_PROVIDER_IDS.contains(provider.id())) {
      problems.add(
          "provider.id '"
              + provider.id()
              + "' is reserved by Codex for a built-in provider; choose another, e.g. 'workmate'");
    }
    checkText("provider.name", provider.name());
    checkHttpUrl("provider.baseUrl", provider.baseUrl(), false);
    checkEnvVarName("provider.envKey", provider.envKey());
  }

  private void checkMcpServers(Map<String, McpServer> servers) {
    servers.forEach(
        (name, server) -> {
          checkName("mcpServers key", name);
          String field = "mcpServers." + name;
          if (server == null) {
            problems.add(field + " is null; remove the entry or give it a server");
          } else if (server instanceof McpServer.Stdio stdio) {
            checkStdio(field, stdio);
          } else if (server instanceof McpServer.StreamableHttp http) {
            checkStreamableHttp(field, http);
          }
        });
  }

  private void checkStdio(String field, McpServer.Stdio server) {
    checkText(field + ".command", server.command());
    List<String> args = server.args();
    for (int i = 0; i < args.size(); i++) {
      checkNoNul(field + ".args[" + i + "]", args.get(i));
    }
    server
        .env()
        .forEach(
            (key, value) -> {
              checkEnvVarName(field + ".env key", key);
              checkNoNul(field + ".env." + key, value);
            });
    server.cwd().ifPresent(cwd -> checkAbsolute(field + ".cwd", cwd));
  }

  private void checkStreamableHttp(String field, McpServer.StreamableHttp server) {
    // Unlike the model gateway, an MCP endpoint may legitimately carry a query string.
    checkHttpUrl(field + ".url", server.url(), true);
    server.bearerTokenEnvVar().ifPresent(env -> checkEnvVarName(field + ".bearerTokenEnvVar", env));
  }

  private void checkPresent(String field, Object value, String allowed) {
    if (value == null) {
      problems.add(field + " is required; one of " + allowed);
    }
  }

  /**
   * Codex 0.169.0 refuses {@code approval_policy = "untrusted"} in config.toml ("no longer
   * supported; remove this setting") although thread/start still accepts it, so it can only be a
   * per-thread choice.
   */
  private void checkConfigFileApprovalPolicy(ApprovalPolicy approvalPolicy) {
    if (approvalPolicy == ApprovalPolicy.UNTRUSTED) {
      problems.add(
          "approvalPolicy 'untrusted' is rejected by Codex in config.toml; use on-request or never"
              + " as the default and pass approvalPolicy 'untrusted' per thread in thread/start");
    }
  }

  private void checkName(String field, String name) {
    if (name == null) {
      problems.add(field + " is required");
    } else if (!NAME.matcher(name).matches()) {
      problems.add(
          field
              + " '"
              + printable(name)
              + "' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
    }
  }

  private void checkEnvVarName(String field, String name) {
    if (name == null) {
      problems.add(field + " is required");
    } else if (!ENV_VAR_NAME.matcher(name).matches()) {
      problems.add(
          field
              + " '"
              + printable(name)
              + "' is not an environment variable name (letters, digits and '_', not starting with"
              + " a digit)");
    }
  }

  /** Free text that ends up on one line of config.toml and in Codex's UI. */
  private void checkText(String field, String value) {
    if (value == null || value.isBlank()) {
      problems.add(field + " must not be blank");
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        problems.add(
            String.format(
                Locale.ROOT,
                "%s '%s' contains control character U+%04X at index %d",
                field,
                printable(value),
                (int) c,
                i));
        return;
      }
    }
  }

  /** Arguments and environment values reach execve, which cannot pass a NUL. */
  private void checkNoNul(String field, String value) {
    if (value == null) {
      problems.add(field + " is null");
    } else if (value.indexOf('\0') >= 0) {
      problems.add(field + " contains a NUL character");
    }
  }

  private void checkAbsolute(String field, Path path) {
    if (!path.isAbsolute()) {
      problems.add(field + " '" + path + "' must be an absolute path");
    }
  }

  private void checkRetries(String field, int retries) {
    if (retries < 0 || retries > MAX_RETRIES) {
      problems.add(field + " is " + retries + " but must be between 0 and " + MAX_RETRIES);
    }
  }

  private void checkIdleTimeout(Duration timeout) {
    if (timeout == null) {
      problems.add("streamIdleTimeout is required");
    } else if (timeout.compareTo(MAX_STREAM_IDLE_TIMEOUT) > 0) {
      problems.add(
          "streamIdleTimeout must be at most " + MAX_STREAM_IDLE_TIMEOUT + ", was " + timeout);
    } else if (timeout.isNegative() || timeout.toMillis() <= 0) {
      // Rendered in whole milliseconds, so anything below 1 ms would become 0 = "no time at all".
      problems.add("streamIdleTimeout must be positive (at least 1 ms), was " + timeout);
    }
  }

  private void checkHttpUrl(String field, URI url, boolean queryAllowed) {
    if (url == null) {
      problems.add(field + " is required");
      return;
    }
    String shown = field + " '" + redacted(url) + "'";
    String scheme = url.getScheme();
    if (!url.isAbsolute() || scheme == null) {
      problems.add(shown + " must be an absolute http:// or https:// URL");
      return;
    }
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      problems.add(shown + " must use http or https, not " + scheme);
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      problems.add(shown + " has no host");
    }
    if (url.getRawUserInfo() != null) {
      problems.add(
          shown + " must not contain user-info; pass credentials through an environment variable");
    }
    if (!queryAllowed && url.getRawQuery() != null) {
      problems.add(shown + " must not contain a query ('?...'); Codex appends '/responses' to it");
    }
    if (url.getRawFragment() != null) {
      problems.add(shown + " must not contain a fragment ('#...')");
    }
  }

  /** The URL as a user may see it in a log: user-info (often a password) is masked. */
  static String redacted(URI url) {
    if (url.getRawUserInfo() == null) {
      return url.toString();
    }
    return url.toString().replace(url.getRawUserInfo() + "@", "***@");
  }

  /** Makes control characters visible so an error message stays on one line. */
  private static String printable(String value) {
    StringBuilder out = new StringBuilder(value.length());
    value
        .codePoints()
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                out.append(String.format(Locale.ROOT, "\\u%04X", cp));
              } else {
                out.appendCodePoint(cp);
              }
            });
    return out.toString();
  }
}
