package io.workmate.protocol.codex;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;
import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code TurnStatus} in the schema. An unknown future value reads as {@link #UNKNOWN}. */
public enum TurnStatus {
  @JsonProperty("completed") COMPLETED,
  @JsonProperty("interrupted") INTERRUPTED,
  @JsonProperty("failed") FAILED,
  @JsonProperty("inProgress") IN_PROGRESS,
  @JsonEnumDefaultValue UNKNOWN
}
