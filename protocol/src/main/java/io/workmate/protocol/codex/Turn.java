package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/**
 * A turn as codex reports it. On {@code turn/completed} the items are only a summary (agent
 * messages); tool items come through {@code item/completed}.
 */
@WireSchema(file = "v2/TurnStartResponse.json", definition = "Turn",
    direction = Direction.RECEIVED)
public record Turn(String id, TurnStatus status, TurnError error, List<JsonNode> items,
    Long durationMs) {

  public boolean isTerminal() {
    return status != null && status != TurnStatus.IN_PROGRESS;
  }
}
