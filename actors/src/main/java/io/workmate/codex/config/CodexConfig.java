package io.workmate.codex.config;

import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What Workmate writes into a private {@code CODEX_HOME/config.toml}. An instance is always valid:
 * the constructor checks every field (see {@link CodexConfigValidator}) and throws one {@link
 * InvalidCodexConfigException} listing all problems.
 *
 * @param model a slug from Codex's bundled catalog; other names work but lose the apply_patch tool
 * @param provider the gateway Codex sends model requests to
 * @param sandbox the default sandbox of new threads (thread/start may override it)
 * @param approvalPolicy the default approval policy of new threads (thread/start may override it);
 *     not {@code untrusted}, which Codex only accepts per thread
 * @param mcpServers MCP servers by name, rendered in this map's iteration order
 * @param requestMaxRetries how often Codex retries a failed model request, 0..10
 * @param streamMaxRetries how often Codex reconnects a dropped response stream, 0..10
 * @param streamIdleTimeout how long a response stream may stay silent before Codex gives up
 */
public record CodexConfig(
    String model,
    ModelProvider provider,
    SandboxMode sandbox,
    ApprovalPolicy approvalPolicy,
    Map<String, McpServer> mcpServers,
    int requestMaxRetries,
    int streamMaxRetries,
    Duration streamIdleTimeout) {

  /**
   * A catalog slug, so Codex offers the freeform apply_patch tool and prints no metadata warning.
   */
  public static final String DEFAULT_MODEL = "gpt-5.5";

  public static final SandboxMode DEFAULT_SANDBOX = SandboxMode.WORKSPACE_WRITE;
  public static final ApprovalPolicy DEFAULT_APPROVAL_POLICY = ApprovalPolicy.ON_REQUEST;

  /** No retries: Workmate decides itself whether to retry a failed turn. */
  public static final int DEFAULT_MAX_RETRIES = 0;

  public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(300);

  public CodexConfig {
    // Keep insertion order (it is the rendering order) but stop callers mutating it afterwards.
    mcpServers =
        mcpServers == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(mcpServers));
    CodexConfigValidator.check(
        model,
        provider,
        sandbox,
        approvalPolicy,
        mcpServers,
        requestMaxRetries,
        streamMaxRetries,
        streamIdleTimeout);
  }

  /** A builder with Workmate's defaults; only the provider is mandatory. */
  public static Builder builder(ModelProvider provider) {
    return new Builder(provider);
  }

  /** A builder pre-filled with this config, for deriving a variant. */
  public Builder toBuilder() {
    Builder builder =
        new Builder(provider)
            .model(model)
            .sandbox(sandbox)
            .approvalPolicy(approvalPolicy)
            .requestMaxRetries(requestMaxRetries)
            .streamMaxRetries(streamMaxRetries)
            .streamIdleTimeout(streamIdleTimeout);
    mcpServers.forEach(builder::mcpServer);
    return builder;
  }

  /** Collects settings; {@link #build()} validates them all at once. */
  public static final class Builder {
    private String model = DEFAULT_MODEL;
    private ModelProvider provider;
    private SandboxMode sandbox = DEFAULT_SANDBOX;
    private ApprovalPolicy approvalPolicy = DEFAULT_APPROVAL_POLICY;
    private final Map<String, McpServer> mcpServers = new LinkedHashMap<>();
    private int requestMaxRetries = DEFAULT_MAX_RETRIES;
    private int streamMaxRetries = DEFAULT_MAX_RETRIES;
    private Duration streamIdleTimeout = DEFAULT_STREAM_IDLE_TIMEOUT;

    private Builder(ModelProvider provider) {
      this.provider = provider;
    }

    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public Builder provider(ModelProvider provider) {
      this.provider = provider;
      return this;
    }

    public Builder sandbox(SandboxMode sandbox) {
      this.sandbox = sandbox;
      return this;
    }

    public Builder approvalPolicy(ApprovalPolicy approvalPolicy) {
      this.approvalPolicy = approvalPolicy;
      return this;
    }

    /** Adds or replaces the MCP server of that name. */
    public Builder mcpServer(String name, McpServer server) {
      Objects.requireNonNull(name, "MCP server name");
      mcpServers.put(name, server);
      return this;
    }

    public Builder requestMaxRetries(int retries) {
      this.requestMaxRetries = retries;
      return this;
    }

    public Builder streamMaxRetries(int retries) {
      this.streamMaxRetries = retries;
      return this;
    }

    public Builder streamIdleTimeout(Duration timeout) {
      this.streamIdleTimeout = timeout;
      return this;
    }

    /**
     * @throws InvalidCodexConfigException listing every problem of the collected settings
     */
    public CodexConfig build() {
      return new CodexConfig(
          model,
          provider,
          sandbox,
          approvalPolicy,
          mcpServers,
          requestMaxRetries,
          streamMaxRetries,
          streamIdleTimeout);
    }
  }
}
