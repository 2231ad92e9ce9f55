package io.workmate.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The mode a user asks for; {@code AUTO} lets the supervisor pick and fail over. */
public enum Mode {
  AUTO,
  LOCAL,
  REMOTE,
  OFFLINE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Mode parse(String value) {
    for (Mode mode : values()) {
      if (mode.wire().equals(value == null ? "" : value.trim().toLowerCase(Locale.ROOT))) {
        return mode;
      }
    }
    throw new IllegalArgumentException("unknown mode '" + value + "'; expected one of "
        + Arrays.stream(values()).map(Mode::wire).collect(Collectors.joining(", ")));
  }
}
