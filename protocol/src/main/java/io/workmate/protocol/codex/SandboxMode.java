package io.workmate.protocol.codex;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Codex's sandbox modes, spelled as on the wire and in config.toml ({@code SandboxMode} in the schema). */
public enum SandboxMode {
  READ_ONLY("read-only"),
  WORKSPACE_WRITE("workspace-write"),
  DANGER_FULL_ACCESS("danger-full-access");

  private final String wire;

  SandboxMode(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  /** Parses the wire spelling; the error lists what is accepted. */
  @JsonCreator
  public static SandboxMode parse(String value) {
    for (SandboxMode mode : values()) {
      if (mode.wire.equals(value)) {
        return mode;
      }
    }
    throw new IllegalArgumentException(
        "unknown sandbox mode '" + value + "'; expected one of " + allowed());
  }

  public static String allowed() {
    return Arrays.stream(values()).map(SandboxMode::wire).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wire;
  }
}
