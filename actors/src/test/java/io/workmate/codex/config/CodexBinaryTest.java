package io.workmate.codex.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodexBinaryTest {

  @TempDir Path tmp;

  @Test
  void findsTheRealProjectLocalInstall() {
    Path home = TestCodex.workmateHome();

    Path binary = TestCodex.realBinary();

    assertTrue(
        binary.startsWith(home.resolve(CodexBinary.PROJECT_LOCAL_PACKAGES)), binary::toString);
    assertEquals(
        Path.of("bin", "codex"), binary.subpath(binary.getNameCount() - 2, binary.getNameCount()));
    assertTrue(
        binary.toString().contains("/vendor/"),
        "the native binary inside its vendor tree, not the JS shim");
    assertTrue(
        CodexBinary.version(binary).startsWith("codex-cli "), () -> CodexBinary.version(binary));
  }

  @Test
  void projectLocalInstallWinsOverPath() throws IOException {
    Path onPath = TestCodex.script(tmp.resolve("path-bin/codex"), "echo codex-cli 0.0.1");

    Path found =
        CodexBinary.locate(
            Optional.empty(), Optional.of(TestCodex.workmateHome()), onPath.getParent().toString());

    assertEquals(TestCodex.realBinary(), found);
  }

  @Test
  void configuredPathWins() throws IOException {
    Path configured = TestCodex.script(tmp.resolve("custom/my-codex"), "echo codex-cli 9.9.9");
    Path onPath = TestCodex.script(tmp.resolve("path-bin/codex"), "echo codex-cli 0.0.1");

    Path found =
        CodexBinary.locate(
            Optional.of(configured),
            Optional.of(TestCodex.workmateHome()),
            onPath.getParent().toString());

    assertEquals(configured, found);
    assertEquals("codex-cli 9.9.9", CodexBinary.version(found));
  }

  @Test
  void locateDefaultUsesTheConfiguredPathFirst() throws IOException {
    Path configured = TestCodex.script(tmp.resolve("custom/codex"), "echo codex-cli 9.9.9");

    assertEquals(configured, CodexBinary.locateDefault(Optional.of(configured)));
  }

  @Test
  void locateDefaultFindsAnExecutableCodex() {
    // Under surefire workmate.home is the reactor root, so this finds at least the project-local
    // install.
    Path found = CodexBinary.locateDefault(Optional.empty());

    assertTrue(Files.isExecutable(found), found::toString);
    assertTrue(CodexBinary.version(found).startsWith("codex-cli "));
  }

  @Test
  void fallsBackToPath() throws IOException {
    Path emptyDir = Files.createDirectories(tmp.resolve("empty"));
    Path codex = TestCodex.script(tmp.resolve("path-bin/codex"), "echo codex-cli 1.2.3");
    String path = emptyDir + File.pathSeparator + File.pathSeparator + codex.getParent();

    Path found = CodexBinary.locate(Optional.empty(), Optional.of(tmp.resolve("no-home")), path);

    assertEquals(codex, found);
    assertEquals("codex-cli 1.2.3", CodexBinary.version(found));
  }

  @Test
  void skipsNonExecutableCandidates() throws IOException {
    Path notExecutable = Files.createDirectories(tmp.resolve("first")).resolve("codex");
    Files.writeString(notExecutable, "not a program");
    Path brokenHome = tmp.resolve("home");
    Path brokenInstall =
        brokenHome
            .resolve(CodexBinary.PROJECT_LOCAL_PACKAGES)
            .resolve("codex-linux-x64/vendor/x86_64/bin/codex");
    Files.createDirectories(brokenInstall.getParent());
    Files.writeString(brokenInstall, "truncated download");
    Path good = TestCodex.script(tmp.resolve("second/codex"), "echo codex-cli 1.0.0");

    Path found =
        CodexBinary.locate(
            Optional.of(tmp.resolve("custom")),
            Optional.of(brokenHome),
            notExecutable.getParent() + File.pathSeparator + good.getParent());

    assertEquals(good, found);
  }

  @Test
  void namesAllThreePlacesWhenNothingIsFound() throws IOException {
    Path missingConfigured = tmp.resolve("nowhere/codex");
    Path emptyHome = Files.createDirectories(tmp.resolve("home"));
    Path emptyDir = Files.createDirectories(tmp.resolve("bin"));

    CodexNotFoundException e =
        assertThrows(
            CodexNotFoundException.class,
            () ->
                CodexBinary.locate(
                    Optional.of(missingConfigured), Optional.of(emptyHome), emptyDir.toString()));

    Path packages = emptyHome.resolve(CodexBinary.PROJECT_LOCAL_PACKAGES);
    assertEquals(
        List.of(
            "configured path (workmate.codex.binary / WORKMATE_CODEX_BINARY): "
                + missingConfigured
                + " does not exist",
            "project-local install ("
                + packages
                + "/codex-*/vendor/*/bin/codex): "
                + packages
                + " does not exist",
            "'codex' on PATH: not in any of the 1 PATH directories (" + emptyDir + ")"),
        e.attempts());
    assertTrue(e.getMessage().contains("Run scripts/setup"), e::getMessage);
    for (String attempt : e.attempts()) {
      assertTrue(e.getMessage().contains(attempt), "message lists: " + attempt);
    }
  }

  @Test
  void explainsWhatWasWrongWithEachCandidate() throws IOException {
    Path directory = Files.createDirectories(tmp.resolve("configured-dir"));
    Path home = tmp.resolve("home");
    Path install =
        home.resolve(CodexBinary.PROJECT_LOCAL_PACKAGES)
            .resolve("codex-linux-x64/vendor/x86_64/bin/codex");
    Files.createDirectories(install.getParent());
    Files.writeString(install, "no exec bit");

    CodexNotFoundException e =
        assertThrows(
            CodexNotFoundException.class,
            () -> CodexBinary.locate(Optional.of(directory), Optional.of(home), null));

    assertEquals(3, e.attempts().size());
    assertTrue(
        e.attempts().get(0).endsWith(directory + " is not a regular file"), e.attempts().get(0));
    assertTrue(e.attempts().get(1).endsWith(install + " is not executable"), e.attempts().get(1));
    assertTrue(e.attempts().get(2).endsWith("PATH is empty"), e.attempts().get(2));
  }

  @Test
  void reportsAnUnknownWorkmateHome() {
    CodexNotFoundException e =
        assertThrows(
            CodexNotFoundException.class,
            () -> CodexBinary.locate(Optional.empty(), Optional.empty(), ""));

    assertTrue(e.attempts().get(0).endsWith(": not set"), e.attempts().get(0));
    assertTrue(
        e.attempts().get(1).contains("set system property workmate.home or env WORKMATE_HOME"),
        e.attempts().get(1));
  }

  @Test
  void versionReportsAFailingBinary() throws IOException {
    Path broken = TestCodex.script(tmp.resolve("codex"), "echo 'no such flag' >&2\nexit 2");

    CodexProcessException e =
        assertThrows(CodexProcessException.class, () -> CodexBinary.version(broken));

    assertTrue(e.getMessage().contains("exited with code 2: no such flag"), e::getMessage);
  }
}
