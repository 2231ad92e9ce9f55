package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;

/** The server notifications Workmate reads, keyed by {@code threadId}/{@code turnId}. */
public final class Notifications {

  @WireSchema(file = "v2/ThreadStartedNotification.json", direction = Direction.RECEIVED)
  public record ThreadStarted(ThreadInfo thread) {}

  @WireSchema(file = "v2/ThreadStatusChangedNotification.json", direction = Direction.RECEIVED)
  public record ThreadStatusChanged(String threadId, JsonNode status) {}

  @WireSchema(file = "v2/TurnStartedNotification.json", direction = Direction.RECEIVED)
  public record TurnStarted(String threadId, Turn turn) {}

  @WireSchema(file = "v2/TurnCompletedNotification.json", direction = Direction.RECEIVED)
  public record TurnCompleted(String threadId, Turn turn) {}

  @WireSchema(file = "v2/ItemStartedNotification.json", direction = Direction.RECEIVED)
  public record ItemStarted(String threadId, String turnId, JsonNode item) {}

  @WireSchema(file = "v2/ItemCompletedNotification.json", direction = Direction.RECEIVED)
  public record ItemCompleted(String threadId, String turnId, JsonNode item) {}

  @WireSchema(file = "v2/AgentMessageDeltaNotification.json", direction = Direction.RECEIVED)
  public record AgentMessageDelta(String threadId, String turnId, String itemId, String delta) {}

  @WireSchema(file = "v2/CommandExecutionOutputDeltaNotification.json",
      direction = Direction.RECEIVED)
  public record CommandOutputDelta(String threadId, String turnId, String itemId, String delta) {}

  /** Codex reports a failing turn here before {@code turn/completed}. */
  @WireSchema(file = "v2/ErrorNotification.json", direction = Direction.RECEIVED)
  public record Error(String threadId, String turnId, TurnError error, boolean willRetry) {}

  @WireSchema(file = "v2/ServerRequestResolvedNotification.json", direction = Direction.RECEIVED)
  public record ServerRequestResolved(String threadId, JsonNode requestId) {}

  private Notifications() {}
}
