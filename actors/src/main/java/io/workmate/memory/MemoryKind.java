package io.workmate.memory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** What a memory entry is: a free note, a fact worth keeping, or the summary of a finished job. */
public enum MemoryKind {
  NOTE,
  FACT,
  SUMMARY;

  /** {@code note}, {@code fact}, {@code summary}: the API's and the journal's spelling. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static MemoryKind fromWire(String wire) {
    return parse(wire).orElseThrow(() -> new IllegalArgumentException("unknown kind " + wire));
  }

  /** The kind spelled {@code wire}, if any. */
  public static Optional<MemoryKind> parse(String wire) {
    for (MemoryKind kind : values()) {
      if (kind.wire().equals(wire)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
