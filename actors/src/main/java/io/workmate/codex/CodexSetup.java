package io.workmate.codex;

import io.workmate.codex.config.CodexConfig;
import io.workmate.codex.config.CodexConfigBridge;
import io.workmate.codex.config.StartupCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything codex needs before the first process starts: the controlled environment under the
 * data dir, config.toml rendered by the config bridge, and codex's own verdict on that config
 * ({@code --print-startup-config}), so a bad config fails here with codex's message instead of
 * in a restart loop.
 */
public final class CodexSetup {

  private static final Logger log = LoggerFactory.getLogger(CodexSetup.class);

  private final Path binary;
  private final CodexEnvironment environment;
  private final CodexConfig config;
  private final StartupCheck startupCheck;

  private CodexSetup(Path binary, CodexEnvironment environment, CodexConfig config,
      StartupCheck startupCheck) {
    this.binary = binary;
    this.environment = environment;
    this.config = config;
    this.startupCheck = startupCheck;
  }

  /**
   * @param codexDir where codex's HOME and CODEX_HOME live (under Workmate's data dir)
   * @param parentEnvironment Workmate's own environment (a few variables are inherited)
   * @param secrets variables only codex sees, such as the gateway key under its env_key name
   */
  public static CodexSetup prepare(Path binary, Path codexDir, CodexConfig config,
      Map<String, String> parentEnvironment, Map<String, String> secrets) {
    CodexEnvironment environment = CodexEnvironment.prepare(codexDir, parentEnvironment, secrets)
        .withSandboxHelper(binary);
    CodexConfigBridge bridge = new CodexConfigBridge();
    try {
      bridge.write(environment.codexHome(), config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write codex config under " + environment.codexHome(), e);
    }
    StartupCheck check = bridge.verify(binary, environment.codexHome(), environment.variables());
    check.warnings().forEach(warning -> log.debug("codex startup check: {}", warning));
    return new CodexSetup(binary, environment, config, check);
  }

  public Path binary() {
    return binary;
  }

  public CodexEnvironment environment() {
    return environment;
  }

  public CodexConfig config() {
    return config;
  }

  public StartupCheck startupCheck() {
    return startupCheck;
  }

  public AppServerSettings appServerSettings() {
    return AppServerSettings.defaults(binary, environment);
  }
}
