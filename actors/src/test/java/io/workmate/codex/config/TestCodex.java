package io.workmate.codex.config;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/** Shared fixtures: the real pinned Codex install and tiny executable scripts. */
final class TestCodex {

  private TestCodex() {}

  /** The reactor root; surefire sets {@code workmate.home} to it. */
  static Path workmateHome() {
    String home = System.getProperty(CodexBinary.HOME_PROPERTY);
    if (home == null || home.isBlank()) {
      fail(
          "system property "
              + CodexBinary.HOME_PROPERTY
              + " is not set; run the tests through Maven "
              + "(surefire sets it to the reactor root)");
    }
    return Path.of(home);
  }

  /** The project-local Codex binary; a missing install fails the test, it is never skipped. */
  static Path realBinary() {
    Path home = workmateHome();
    try {
      return CodexBinary.locate(Optional.empty(), Optional.of(home), null);
    } catch (CodexNotFoundException e) {
      return fail(
          "the pinned Codex CLI is not installed under "
              + home.resolve(CodexBinary.PROJECT_LOCAL_PACKAGES)
              + "; run scripts/setup\n"
              + e.getMessage());
    }
  }

  static ModelProvider provider() {
    return new ModelProvider(
        "workmate", "Workmate gateway", URI.create("http://127.0.0.1:8080/v1"), "WORKMATE_API_KEY");
  }

  static CodexConfig.Builder builder() {
    return CodexConfig.builder(provider());
  }

  /** Writes a {@code /bin/sh} script and makes it executable. */
  static Path script(Path file, String body) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
