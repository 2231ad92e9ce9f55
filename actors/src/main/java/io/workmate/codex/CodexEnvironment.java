package io.workmate.codex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The controlled environment codex runs in: a private {@code CODEX_HOME} and {@code HOME} (codex
 * runs a login shell per thread, and a user's profile can double every command's cost), a minimal
 * set of inherited variables, and the AI gateway key under the name config.toml's
 * {@code env_key} points at. Values are never logged.
 */
public final class CodexEnvironment {

  /** Variables taken from Workmate's own environment when present. */
  private static final List<String> INHERITED =
      List.of("PATH", "USER", "LOGNAME", "TMPDIR", "TZ", "LANG", "LC_ALL", "SSL_CERT_FILE",
          "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY");

  private final Path home;
  private final Path codexHome;
  private final Map<String, String> variables;

  private CodexEnvironment(Path home, Path codexHome, Map<String, String> variables) {
    this.home = home;
    this.codexHome = codexHome;
    this.variables = Map.copyOf(variables);
  }

  /**
   * Lays out {@code <codexDir>/home} (HOME, with an empty shell profile) and
   * {@code <codexDir>/home/.codex} (CODEX_HOME) and builds the variables.
   *
   * @param parent Workmate's own environment, to inherit {@link #INHERITED} from
   * @param extra variables for codex, e.g. the gateway key under its env_key name
   */
  public static CodexEnvironment prepare(Path codexDir, Map<String, String> parent,
      Map<String, String> extra) {
    Path home = codexDir.resolve("home").toAbsolutePath().normalize();
    Path codexHome = home.resolve(".codex");
    try {
      Files.createDirectories(codexHome);
      // login shells read these; empty files keep the user's real profile out of every command
      for (String profile : List.of(".profile", ".bash_profile", ".bashrc")) {
        Path file = home.resolve(profile);
        if (!Files.exists(file)) {
          Files.writeString(file, "# written by Workmate: codex runs login shells here\n");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare codex home under " + codexDir, e);
    }
    Map<String, String> variables = new LinkedHashMap<>();
    for (String name : INHERITED) {
      String value = parent.get(name);
      if (value != null) {
        variables.put(name, value);
      }
    }
    variables.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
    variables.putIfAbsent("LANG", "C.UTF-8");
    variables.put("HOME", home.toString());
    variables.put("CODEX_HOME", codexHome.toString());
    variables.put("SHELL", "/bin/bash");
    variables.put("RUST_LOG", "warn");
    extra.forEach((name, value) -> variables.put(name, Objects.requireNonNull(value, name)));
    return new CodexEnvironment(home, codexHome, variables);
  }

  /** The name codex's sandbox re-executes itself under (its arg0 dispatch). */
  static final String SANDBOX_HELPER = "codex-linux-sandbox";

  /**
   * With a system {@code bwrap} installed, codex's sandbox runs {@code bwrap ...
   * codex-linux-sandbox}, found on PATH through an alias codex makes under CODEX_HOME, except
   * when CODEX_HOME is under the temp dir (then every sandboxed command fails with {@code execvp
   * codex-linux-sandbox: No such file or directory}). This makes the alias itself, in {@code
   * <codex dir>/bin} first on PATH, wherever the data dir is. A {@code binary} that is not a
   * native executable (the npm script) gets no alias: codex then falls back to its own.
   */
  public CodexEnvironment withSandboxHelper(Path binary) {
    Path directory = home.resolveSibling("bin");
    try {
      Path target = binary.toRealPath();
      if (!isNativeExecutable(target)) {
        return this;
      }
      Files.createDirectories(directory);
      Path alias = directory.resolve(SANDBOX_HELPER);
      Path staged = directory.resolve(SANDBOX_HELPER + ".new");
      Files.deleteIfExists(staged);
      Files.createSymbolicLink(staged, target);
      Files.move(staged, alias, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalStateException("cannot create codex's sandbox helper under " + directory
          + ": " + e, e);
    }
    Map<String, String> all = new LinkedHashMap<>(variables);
    all.put("PATH", directory + java.io.File.pathSeparator + variables.get("PATH"));
    return new CodexEnvironment(home, codexHome, all);
  }

  private static boolean isNativeExecutable(Path file) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L'
          && magic[3] == 'F';
    }
  }

  public Path home() {
    return home;
  }

  public Path codexHome() {
    return codexHome;
  }

  /**
   * The environment of a limited agent's app-servers: the same variables and CODEX_HOME (config,
   * sessions), but a HOME of its own under {@code <codex dir>/limited/<agent>} whose shell files
   * apply {@code limits} to every command ({@link LimitedHome}).
   */
  public CodexEnvironment limited(String agent, CommandLimits limits) {
    String directory = agent.replaceAll("[^A-Za-z0-9_.-]", "_");
    Path limitedHome = home.resolveSibling("limited").resolve(directory).resolve("home");
    Path file = LimitedHome.write(limitedHome, agent, limits);
    Map<String, String> all = new LinkedHashMap<>(variables);
    all.put("HOME", limitedHome.toString());
    all.put("BASH_ENV", file.toString());
    return new CodexEnvironment(limitedHome, codexHome, all);
  }

  /** The variables plus the marker that lets Workmate find the process's descendants later. */
  public Map<String, String> forProcess(String markerName, String markerValue) {
    Map<String, String> all = new LinkedHashMap<>(variables);
    all.put(markerName, markerValue);
    return all;
  }

  public Map<String, String> variables() {
    return variables;
  }

  /** Names only: the values may hold the gateway key. */
  @Override
  public String toString() {
    return "CodexEnvironment[home=" + home + ", variables=" + variables.keySet() + "]";
  }
}
