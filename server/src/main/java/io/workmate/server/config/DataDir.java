package io.workmate.server.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Map;

/** Where Workmate keeps its state when {@code workmate.data-dir} is empty. */
final class DataDir {

  private DataDir() {}

  static Path resolve(Config config, Map<String, String> environment) {
    String configured = config.hasPath("workmate.data-dir")
        ? config.getString("workmate.data-dir") : "";
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
