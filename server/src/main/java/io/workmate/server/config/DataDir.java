package io.workmate.server.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Map;

/** Where Workmate keeps its state when {@code workmate.data-dir} is empty. */
final class DataDir {

  private DataDir() {}

  static Path resolve(Config config, Map<String, String> environment) {
    return resolve(config.getString("workmate.data-dir"), environment);
  }

  /** {@code configured}: the value of {@code workmate.data-dir}, empty for the default. */
  static Path resolve(String configured, Map<String, String> environment) {
    if (!configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    String xdg = environment.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "workmate");
    }
    return Path.of(System.getProperty("user.home"), ".local", "share", "workmate");
  }
}
