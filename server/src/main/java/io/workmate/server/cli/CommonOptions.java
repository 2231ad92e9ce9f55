package io.workmate.server.cli;

import com.typesafe.config.Config;
import io.workmate.codex.config.CodexNotFoundException;
import io.workmate.codex.config.CodexProcessException;
import io.workmate.codex.config.InvalidCodexConfigException;
import io.workmate.server.config.InvalidSettingsException;
import io.workmate.server.config.WorkmateConfig;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.server.service.CodexLauncher;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import picocli.CommandLine.Option;

/** Options every command shares, and the mapping of setup failures to exit codes. */
abstract class CommonOptions {

  static final int OK = 0;
  static final int USAGE = 2;
  static final int CODEX_UNAVAILABLE = 3;
  static final int JOURNAL_UNAVAILABLE = 5;
  /** The same code as a journal that cannot be opened: the state cannot be used either way. */
  static final int DATA_DIR_UNAVAILABLE = 5;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data directory (default: WORKMATE_DATA_DIR, else ~/.local/share/workmate).")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON config file layered over the defaults (default: WORKMATE_CONFIG, "
          + "else <data>/workmate.conf when present).")
  Path configFile;

  private Config config;
  private WorkmateSettings settings;

  /** Streams the commands write to; replaceable so tests can capture them. */
  static PrintStream stdout = System.out;
  static PrintStream stderr = System.err;

  PrintStream out() {
    return stdout;
  }

  PrintStream err() {
    return stderr;
  }

  Map<String, String> environment() {
    return System.getenv();
  }

  /** Flags that map onto config keys; subclasses add theirs. */
  Map<String, String> overrides() {
    Map<String, String> overrides = new LinkedHashMap<>();
    if (dataDir != null) {
      overrides.put("workmate.data-dir", dataDir.toAbsolutePath().normalize().toString());
    }
    return overrides;
  }

  Config config() {
    if (config == null) {
      config = WorkmateConfig.load(Optional.ofNullable(configFile), environment(), overrides());
    }
    return config;
  }

  WorkmateSettings settings() {
    if (settings == null) {
      settings = WorkmateSettings.from(config(), environment());
    }
    return settings;
  }

  int usageError(String message) {
    err().println("workmate: " + message);
    return USAGE;
  }

  /** Prepares codex and runs {@code body}; every setup failure becomes one clear line. */
  int withLauncher(ToIntFunction<CodexLauncher> body) {
    try (CodexLauncher launcher = CodexLauncher.prepare(settings(), environment(), err())) {
      return body.applyAsInt(launcher);
    } catch (InvalidSettingsException e) {
      err().println("workmate: invalid configuration:");
      e.problems().forEach(problem -> err().println("  - " + problem));
      return USAGE;
    } catch (InvalidCodexConfigException e) {
      err().println("workmate: codex rejected its configuration: " + e.getMessage());
      return USAGE;
    } catch (CodexNotFoundException e) {
      err().println("workmate: " + e.getMessage());
      return CODEX_UNAVAILABLE;
    } catch (CodexProcessException e) {
      err().println("workmate: codex could not run: " + e.getMessage());
      return CODEX_UNAVAILABLE;
    }
  }
}
