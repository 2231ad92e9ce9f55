package io.workmate.server.service;

import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexSetup;
import io.workmate.codex.ThreadSettings;
import io.workmate.codex.config.CodexBinary;
import io.workmate.codex.config.CodexConfig;
import io.workmate.codex.config.ModelProvider;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.protocol.responses.ScriptedProvider;
import io.workmate.server.config.WorkmateSettings;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Turns settings into a ready codex setup: finds the binary, picks the model endpoint (the
 * configured AI gateway, or the built-in scripted provider, said so on stderr), writes and
 * verifies config.toml under the data dir.
 */
public final class CodexLauncher implements AutoCloseable {

  /** The variable config.toml's {@code env_key} names; only codex's environment has it. */
  public static final String KEY_VARIABLE = "WORKMATE_AI_GATEWAY_KEY";

  private static final String PROVIDER_ID = "workmate";
  private static final String SCRIPTED_KEY = "scripted-provider-needs-no-key";

  private final WorkmateSettings settings;
  private final CodexSetup setup;
  private final Optional<ScriptedProvider> scripted;

  private CodexLauncher(WorkmateSettings settings, CodexSetup setup,
      Optional<ScriptedProvider> scripted) {
    this.settings = settings;
    this.setup = setup;
    this.scripted = scripted;
  }

  /**
   * @throws io.workmate.codex.config.CodexNotFoundException when no codex binary works
   * @throws io.workmate.codex.config.InvalidCodexConfigException when codex rejects the config
   */
  public static CodexLauncher prepare(WorkmateSettings settings, Map<String, String> environment,
      PrintStream notices) {
    Path binary = CodexBinary.locate(settings.codex().binary(), environment);
    Optional<ScriptedProvider> scripted = Optional.empty();
    URI endpoint;
    String key;
    if (settings.gateway().configured()) {
      endpoint = settings.gateway().url().orElseThrow();
      key = settings.gateway().key().reveal();
    } else {
      ScriptedProvider provider = ScriptedProvider.start(settings.scriptedProviderHost(),
          settings.scriptedProviderPort());
      scripted = Optional.of(provider);
      endpoint = URI.create(provider.baseUrl());
      key = SCRIPTED_KEY;
      notices.println("workmate: no AI gateway configured (WORKMATE_AI_GATEWAY_URL and "
          + "WORKMATE_AI_GATEWAY_KEY); using the built-in scripted provider at "
          + provider.baseUrl());
    }
    try {
      CodexSetup setup = CodexSetup.prepare(binary, settings.dataDir().resolve("codex"),
          codexConfig(settings, endpoint), environment, Map.of(KEY_VARIABLE, key));
      return new CodexLauncher(settings, setup, scripted);
    } catch (RuntimeException e) {
      scripted.ifPresent(ScriptedProvider::close);
      throw e;
    }
  }

  private static CodexConfig codexConfig(WorkmateSettings settings, URI endpoint) {
    WorkmateSettings.Gateway gateway = settings.gateway();
    // codex accepts "untrusted" only per thread, not in config.toml; threads always pass theirs
    ApprovalPolicy fileDefault = settings.codex().approvalPolicy() == ApprovalPolicy.UNTRUSTED
        ? ApprovalPolicy.ON_REQUEST : settings.codex().approvalPolicy();
    CodexConfig.Builder builder = CodexConfig.builder(new ModelProvider(PROVIDER_ID,
            gateway.providerName(), endpoint, KEY_VARIABLE))
        .model(gateway.model())
        .sandbox(settings.codex().sandbox())
        .approvalPolicy(fileDefault)
        .requestMaxRetries(gateway.requestMaxRetries())
        .streamMaxRetries(gateway.streamMaxRetries())
        .streamIdleTimeout(gateway.streamIdleTimeout());
    settings.codex().mcpServers().forEach(builder::mcpServer);
    return builder.build();
  }


  public AppServerSettings appServerSettings() {
    WorkmateSettings.Codex codex = settings.codex();
    AppServerSettings defaults = setup.appServerSettings();
    return new AppServerSettings(defaults.binary(), defaults.environment(),
        codex.requestTimeout(), codex.initializeTimeout(), codex.restartBackoff(),
        defaults.stableAfter(), defaults.stopGrace(), defaults.optOutNotifications())
        .withAgentLimits(codex.limits());
  }

  /** Thread settings from config, with per-command overrides. */
  public ThreadSettings threadSettings(Path cwd, Optional<ApprovalPolicy> policy,
      Optional<SandboxMode> sandbox) {
    WorkmateSettings.Codex codex = settings.codex();
    return new ThreadSettings(cwd.toAbsolutePath().normalize(), Optional.empty(),
        policy.orElse(codex.approvalPolicy()), sandbox.orElse(codex.sandbox()),
        codex.approvals(), codex.turnWatchdog(), Duration.ofSeconds(10), 100);
  }

  public int processes() {
    return settings.codex().processes();
  }

  public CodexSetup setup() {
    return setup;
  }

  public boolean usesScriptedProvider() {
    return scripted.isPresent();
  }

  @Override
  public void close() {
    scripted.ifPresent(ScriptedProvider::close);
  }
}
