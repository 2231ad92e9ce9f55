package io.workmate.codex.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What {@code codex app-server --print-startup-config} reported for a config it accepted.
 *
 * @param appServerVersion e.g. {@code 0.169.0}
 * @param configRequirements Codex's {@code configRequirements} object, as printed
 * @param warnings non-blank stderr lines (e.g. the harmless "could not create PATH aliases" under
 *     /tmp), so a caller can log them
 */
public record StartupCheck(
    String appServerVersion, JsonNode configRequirements, List<String> warnings) {

  public StartupCheck {
    warnings = List.copyOf(warnings);
  }
}
