package io.workmate.bench.codex;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code @openai/codex-sdk} package under {@code .tools/codex-sdk} (scripts/bench installs it
 * with npm) and the Node script that drives it.
 */
record SdkInstall(Path prefix, String version, Path driverScript) {

  static final String PREFIX = ".tools/codex-sdk";
  static final String DRIVER_SCRIPT = "bench/src/main/node/codex-sdk-driver.mjs";

  /** Empty when the package or the driver script is missing. */
  static Optional<SdkInstall> find(Path workmateHome) {
    Path prefix = workmateHome.resolve(PREFIX);
    Path packageJson = prefix.resolve("node_modules/@openai/codex-sdk/package.json");
    Path script = workmateHome.resolve(DRIVER_SCRIPT);
    if (!Files.isRegularFile(packageJson) || !Files.isRegularFile(script)) {
      return Optional.empty();
    }
    try {
      String version = new ObjectMapper().readTree(packageJson.toFile()).path("version").asText();
      return Optional.of(new SdkInstall(prefix, version, script));
    } catch (IOException unreadable) {
      return Optional.empty();
    }
  }
}
