package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a turn ended.
 *
 * @param turnId empty when the turn never started on codex
 * @param finalText the last agent message of the turn
 * @param error why it failed or was interrupted, when known
 * @param items every item codex completed during the turn, in order
 */
public record TurnResult(String threadId, Optional<String> turnId, Outcome outcome,
    String finalText, Optional<String> error, List<JsonNode> items, Duration duration) {

  public enum Outcome {
    COMPLETED,
    INTERRUPTED,
    FAILED
  }

  public boolean completed() {
    return outcome == Outcome.COMPLETED;
  }
}
