package io.workmate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every setting and every WORKMATE_* variable must be documented in the README. */
class ReadmeDocumentsSettingsTest {

  @Test
  void everyConfigKeyAndEnvironmentVariableIsInTheReadme() throws Exception {
    Path readme = Path.of(System.getProperty("workmate.home"), "README.md");
    String text = Files.readString(readme);
    Config defaults = ConfigFactory.parseResources("application.conf").resolve()
        .getConfig("workmate");
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> entry : defaults.entrySet()) {
      String key = "workmate." + entry.getKey();
      if (!text.contains("`" + key + "`")) {
        missing.add(key);
      }
    }
    if (!text.contains("`workmate.codex.mcp-servers`")) {
      missing.add("workmate.codex.mcp-servers");
    }
    for (String variable : WorkmateConfig.ENVIRONMENT.keySet()) {
      if (!text.contains("`" + variable + "`")) {
        missing.add(variable);
      }
    }
    if (!text.contains("`" + WorkmateConfig.CONFIG_FILE_VARIABLE + "`")) {
      missing.add(WorkmateConfig.CONFIG_FILE_VARIABLE);
    }
    assertEquals(List.of(), missing, "undocumented in README.md");
  }
}
