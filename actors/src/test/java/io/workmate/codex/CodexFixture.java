package io.workmate.codex;

import io.workmate.support.Backoff;
import static org.junit.jupiter.api.Assertions.fail;

import io.workmate.codex.config.CodexBinary;
import io.workmate.codex.config.CodexConfig;
import io.workmate.codex.config.CodexNotFoundException;
import io.workmate.codex.config.ModelProvider;
import io.workmate.nativeos.ProcessControl;
import io.workmate.protocol.responses.ScriptedProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Real codex against the scripted provider on loopback: the only stand-in is the model. Lays out
 * a data dir under a temp folder, writes config.toml through the bridge and lets codex verify it.
 */
public final class CodexFixture implements AutoCloseable {

  public static final String KEY_VARIABLE = "WORKMATE_AI_GATEWAY_KEY";

  private final Path root;
  private final ScriptedProvider provider;
  private final CodexSetup setup;

  private CodexFixture(Path root, ScriptedProvider provider, CodexSetup setup) {
    this.root = root;
    this.provider = provider;
    this.setup = setup;
  }

  public static CodexFixture start(Path root) {
    return start(root, UnaryOperator.identity());
  }

  public static CodexFixture start(Path root, UnaryOperator<CodexConfig.Builder> customize) {
    ScriptedProvider provider = ScriptedProvider.start();
    ModelProvider gateway = new ModelProvider("workmate", "Workmate AI gateway",
        URI.create(provider.baseUrl()), KEY_VARIABLE);
    CodexConfig config = customize.apply(CodexConfig.builder(gateway)
        .streamIdleTimeout(Duration.ofSeconds(120))).build();
    CodexSetup setup = CodexSetup.prepare(realBinary(), root.resolve("codex"), config,
        System.getenv(), Map.of(KEY_VARIABLE, "scripted-test-key"));
    return new CodexFixture(root, provider, setup);
  }

  /** The pinned project-local codex; missing means the test fails and says how to fix it. */
  public static Path realBinary() {
    String home = System.getProperty(CodexBinary.HOME_PROPERTY);
    if (home == null) {
      return fail("system property workmate.home is not set; run the tests through Maven");
    }
    try {
      return CodexBinary.locate(Optional.empty(), Optional.of(Path.of(home)), null);
    } catch (CodexNotFoundException e) {
      return fail("the pinned codex CLI is missing; run scripts/setup\n" + e.getMessage());
    }
  }

  public ScriptedProvider provider() {
    return provider;
  }

  public CodexSetup setup() {
    return setup;
  }

  /** Settings with quick restarts, so crash tests don't wait on production backoff. */
  public AppServerSettings appServerSettings() {
    return setup.appServerSettings()
        .withRestartBackoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.1))
        .withRequestTimeout(Duration.ofSeconds(30));
  }

  public AppServerSettings appServerSettings(Path binary) {
    AppServerSettings base = appServerSettings();
    return new AppServerSettings(binary, base.environment(), base.requestTimeout(),
        base.initializeTimeout(), base.restartBackoff(), base.stableAfter(), base.stopGrace(),
        base.optOutNotifications());
  }

  public Path workspace(String name) {
    Path dir = root.resolve("work").resolve(name);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  public ThreadSettings threadSettings(String workspace) {
    return ThreadSettings.defaults(workspace(workspace));
  }

  /** Live, non-zombie processes running with this fixture's CODEX_HOME. */
  public List<Long> codexProcesses() {
    List<Long> live = new ArrayList<>();
    String codexHome = setup.environment().codexHome().toString();
    for (long pid : ProcessControl.findByEnvironment("CODEX_HOME", codexHome)) {
      if (pid != ProcessHandle.current().pid() && isRunning(pid)) {
        live.add(pid);
      }
    }
    return live;
  }

  private static boolean isRunning(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    provider.close();
  }
}
