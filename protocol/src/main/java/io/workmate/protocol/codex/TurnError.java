package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;

/** Why a turn failed; {@code codexErrorInfo} is e.g. {@code "internalServerError"}. */
@WireSchema(file = "v2/TurnStartResponse.json", definition = "TurnError",
    direction = Direction.RECEIVED)
public record TurnError(String message, JsonNode codexErrorInfo, String additionalDetails) {}
