package io.workmate.server.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What the deploy tests share: the checkout, and running a command to its end. */
final class DeployFiles {

  private DeployFiles() {}

  /** The checkout (surefire sets {@code workmate.home} to the reactor's root). */
  static Path repo() {
    String home = System.getProperty("workmate.home");
    if (home == null || home.isBlank()) {
      throw new IllegalStateException("system property workmate.home is not set (the pom sets it)");
    }
    return Path.of(home);
  }

  static Path deploy(String name) {
    return repo().resolve("deploy").resolve(name);
  }

  /** The first executable {@code name} on this JVM's PATH. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  record Result(int exitCode, String stdout, String stderr) {

    List<String> stderrLines() {
      return stderr.lines().filter(line -> !line.isBlank()).toList();
    }

    String describe() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  /** Runs {@code command} with no input; stdout and stderr go through files, so neither blocks. */
  static Result run(List<String> command, long timeoutSeconds) throws IOException,
      InterruptedException {
    Path out = Files.createTempFile("deploy-test", ".out");
    Path err = Files.createTempFile("deploy-test", ".err");
    try {
      Process process = new ProcessBuilder(new ArrayList<>(command))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
