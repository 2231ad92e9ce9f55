package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;

/** A thread as codex describes it ({@code Thread} in the schema); only what Workmate reads. */
@WireSchema(file = "v2/ThreadStartResponse.json", definition = "Thread",
    direction = Direction.RECEIVED)
public record ThreadInfo(String id, String path, String cwd, String modelProvider, String preview,
    JsonNode status) {}
