package io.workmate.codex.config;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Finds the Codex executable. Looks, in order, at (1) an explicitly configured path, (2) the
 * project-local install that {@code scripts/setup} puts under {@code <workmateHome>/.tools/codex},
 * and (3) {@code codex} on the PATH. The project-local native binary is preferred over PATH because
 * it is the pinned version and its vendor tree holds the bundled {@code bwrap} the sandbox needs.
 */
public final class CodexBinary {

  /** Config key and environment variable for an explicit path to the executable. */
  public static final String CONFIG_KEY = "workmate.codex.binary";

  public static final String ENV_VAR = "WORKMATE_CODEX_BINARY";

  /** System property and environment variable naming the Workmate checkout/installation. */
  public static final String HOME_PROPERTY = "workmate.home";

  public static final String HOME_ENV_VAR = "WORKMATE_HOME";

  /** Where npm puts the {@code @openai/codex*} packages inside the Workmate home. */
  public static final Path PROJECT_LOCAL_PACKAGES =
      Path.of(".tools", "codex", "node_modules", "@openai");

  static final String EXECUTABLE_NAME = "codex";
  private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(CodexBinary.class);

  private CodexBinary() {}

  /**
   * @param configured the path from {@value #CONFIG_KEY} / {@value #ENV_VAR}, if any
   * @param workmateHome the Workmate home holding {@code .tools/codex}, if known
   * @param pathEnv a PATH-style list of directories; may be null or empty
   * @return the first candidate that is a regular, executable file
   * @throws CodexNotFoundException naming every place tried and what was wrong there
   */
  public static Path locate(
      Optional<Path> configured, Optional<Path> workmateHome, String pathEnv) {
    // Suppliers so that a later place is only searched when the earlier ones had nothing.
    List<Supplier<Lookup>> places =
        List.of(
            () -> fromConfigured(configured),
            () -> fromProjectLocal(workmateHome),
            () -> fromPath(pathEnv));
    List<String> attempts = new ArrayList<>();
    for (Supplier<Lookup> place : places) {
      Lookup lookup = place.get();
      if (lookup.found().isPresent()) {
        if (!attempts.isEmpty() && configured.isPresent()) {
          log.warn("the configured codex binary is unusable ({}); using {} instead",
              attempts.get(0), lookup.found().get());
        }
        return lookup.found().get();
      }
      attempts.add(lookup.describe());
    }
    throw new CodexNotFoundException(attempts);
  }

  /**
   * Like {@link #locate} with the defaults of this JVM: when {@code configured} is empty the system
   * property {@value #CONFIG_KEY} or env {@value #ENV_VAR} is used; the home comes from system
   * property {@value #HOME_PROPERTY} or env {@value #HOME_ENV_VAR}; the PATH from the environment.
   */
  public static Path locateDefault(Optional<Path> configured) {
    Optional<Path> explicit = configured.or(() -> setting(CONFIG_KEY, ENV_VAR, System.getenv()));
    return locate(explicit, System.getenv());
  }

  /**
   * Like {@link #locate} with the home from system property {@value #HOME_PROPERTY} or
   * {@value #HOME_ENV_VAR} in {@code environment}, and the PATH from {@code environment}.
   */
  public static Path locate(Optional<Path> configured, Map<String, String> environment) {
    return locate(configured, setting(HOME_PROPERTY, HOME_ENV_VAR, environment),
        environment.get("PATH"));
  }

  /**
   * Runs {@code <binary> --version} and returns what it prints, e.g. {@code codex-cli 0.169.0}.
   *
   * @throws CodexProcessException if it cannot run, fails, or prints nothing
   */
  public static String version(Path binary) {
    // Inherit our environment: the npm JS shim needs PATH to find node.
    CodexProcess.Result result =
        CodexProcess.run(List.of(binary.toString(), "--version"), null, VERSION_TIMEOUT);
    String version = result.stdout().strip();
    if (result.exitCode() != 0 || version.isEmpty()) {
      throw new CodexProcessException(
          "'"
              + binary
              + " --version' exited with code "
              + result.exitCode()
              + ": "
              + result.stderr().strip());
    }
    return version.lines().findFirst().orElse(version);
  }

  // ---- the three places ----

  private static Lookup fromConfigured(Optional<Path> configured) {
    String place = "configured path (" + CONFIG_KEY + " / " + ENV_VAR + ")";
    if (configured.isEmpty()) {
      return Lookup.missing(place, "not set");
    }
    Path path = configured.get();
    return problemWith(path)
        .map(problem -> Lookup.missing(place, path + " " + problem))
        .orElseGet(() -> Lookup.found(place, path));
  }

  private static Lookup fromProjectLocal(Optional<Path> workmateHome) {
    if (workmateHome.isEmpty()) {
      return Lookup.missing(
          "project-local install (<workmate home>/" + PROJECT_LOCAL_PACKAGES + ")",
          "Workmate home unknown; set system property "
              + HOME_PROPERTY
              + " or env "
              + HOME_ENV_VAR);
    }
    Path packages = workmateHome.get().resolve(PROJECT_LOCAL_PACKAGES);
    String place =
        "project-local install (" + packages + "/codex-*/vendor/*/bin/" + EXECUTABLE_NAME + ")";
    if (!Files.isDirectory(packages)) {
      return Lookup.missing(place, packages + " does not exist");
    }
    List<Path> candidates = projectLocalCandidates(packages);
    if (candidates.isEmpty()) {
      return Lookup.missing(
          place, "no platform package with a vendor/*/bin/" + EXECUTABLE_NAME + " inside");
    }
    return firstUsable(place, candidates);
  }

  private static Lookup fromPath(String pathEnv) {
    String place = "'" + EXECUTABLE_NAME + "' on PATH";
    List<Path> candidates = pathCandidates(pathEnv);
    if (candidates.isEmpty()) {
      return Lookup.missing(place, "PATH is empty");
    }
    List<Path> present = candidates.stream().filter(Files::exists).toList();
    if (present.isEmpty()) {
      return Lookup.missing(
          place, "not in any of the " + candidates.size() + " PATH directories (" + pathEnv + ")");
    }
    return firstUsable(place, present);
  }

  // ---- helpers ----

  /** {@code codex-<platform>/vendor/<target-triple>/bin/codex}, sorted for a deterministic pick. */
  private static List<Path> projectLocalCandidates(Path packages) {
    List<Path> candidates = new ArrayList<>();
    for (Path platformPackage : sortedChildren(packages, "codex-*")) {
      for (Path target : sortedChildren(platformPackage.resolve("vendor"), "*")) {
        Path binary = target.resolve("bin").resolve(EXECUTABLE_NAME);
        if (Files.exists(binary)) {
          candidates.add(binary);
        }
      }
    }
    return candidates;
  }

  private static List<Path> sortedChildren(Path dir, String glob) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
      stream.forEach(children::add);
    } catch (IOException e) {
      return List.of(); // unreadable: reported as "nothing found" by the caller
    }
    children.sort(null);
    return children;
  }

  private static List<Path> pathCandidates(String pathEnv) {
    if (pathEnv == null || pathEnv.isBlank()) {
      return List.of();
    }
    List<Path> candidates = new ArrayList<>();
    for (String dir : pathEnv.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue; // an empty entry would mean "current directory": never trust that for an agent
        // binary
      }
      try {
        candidates.add(Path.of(dir).resolve(EXECUTABLE_NAME));
      } catch (InvalidPathException e) {
        // a malformed entry cannot hold codex; skip it
      }
    }
    return candidates;
  }

  private static Lookup firstUsable(String place, List<Path> candidates) {
    List<String> rejected = new ArrayList<>();
    for (Path candidate : candidates) {
      Optional<String> problem = problemWith(candidate);
      if (problem.isEmpty()) {
        return Lookup.found(place, candidate);
      }
      rejected.add(candidate + " " + problem.get());
    }
    return Lookup.missing(place, String.join("; ", rejected));
  }

  /** Why this path cannot be run as Codex, or empty if it can. */
  private static Optional<String> problemWith(Path path) {
    if (!Files.exists(path)) {
      return Optional.of("does not exist");
    }
    if (!Files.isRegularFile(path)) {
      return Optional.of("is not a regular file");
    }
    if (!Files.isExecutable(path)) {
      return Optional.of("is not executable");
    }
    return Optional.empty();
  }

  private static Optional<Path> setting(String property, String envVar,
      Map<String, String> environment) {
    return Stream.of(System.getProperty(property), environment.get(envVar))
        .filter(value -> value != null && !value.isBlank())
        .findFirst()
        .map(Path::of);
  }

  /** The outcome of looking in one place: a usable binary, or why there was none. */
  private record Lookup(String place, Optional<Path> found, String problem) {

    static Lookup found(String place, Path binary) {
      return new Lookup(place, Optional.of(binary), "");
    }

    static Lookup missing(String place, String problem) {
      return new Lookup(place, Optional.empty(), problem);
    }

    String describe() {
      return place + ": " + problem;
    }
  }
}
