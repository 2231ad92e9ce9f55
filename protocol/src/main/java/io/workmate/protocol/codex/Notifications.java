package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;

/**
 * The server notifications Workmate reads, keyed by {@code threadId}/{@code turnId}. Each is a
 * {@link Body}: what {@link CodexNotification#decode} reads a notification's params into.
 */
public final class Notifications {

  /** The params of one notification; {@link Other} for a method Workmate does not read. */
  public sealed interface Body permits ThreadStarted, ThreadStatusChanged, TurnStarted,
      TurnCompleted, ItemStarted, ItemCompleted, AgentMessageDelta, CommandOutputDelta, Error,
      ServerRequestResolved, Other {

    /** The thread the notification is about; null when it names none. */
    String threadId();

    /** The turn it is about; null when it names none. */
    default String turnId() {
      return null;
    }
  }

  /**
   * Any other notification, read only for the thread and turn it names: v2 says {@code threadId},
   * a few nest the thread, legacy v1 says {@code conversationId}.
   */
  public record Other(String threadId, String turnId, ThreadRef thread, String conversationId)
      implements Body {

    @Override
    public String threadId() {
      if (threadId != null) {
        return threadId;
      }
      return thread != null && thread.id() != null ? thread.id() : conversationId;
    }

    public static final Other NONE = new Other(null, null, null, null);
  }

  /** Just the id of a nested thread. */
  public record ThreadRef(String id) {}

  @WireSchema(file = "v2/ThreadStartedNotification.json", direction = Direction.RECEIVED)
  public record ThreadStarted(ThreadInfo thread) implements Body {
    @Override
    public String threadId() {
      return thread == null ? null : thread.id();
    }
  }

  @WireSchema(file = "v2/ThreadStatusChangedNotification.json", direction = Direction.RECEIVED)
  public record ThreadStatusChanged(String threadId, JsonNode status) implements Body {}

  @WireSchema(file = "v2/TurnStartedNotification.json", direction = Direction.RECEIVED)
  public record TurnStarted(String threadId, Turn turn) implements Body {
    @Override
    public String turnId() {
      return turn == null ? null : turn.id();
    }
  }

  @WireSchema(file = "v2/TurnCompletedNotification.json", direction = Direction.RECEIVED)
  public record TurnCompleted(String threadId, Turn turn) implements Body {
    @Override
    public String turnId() {
      return turn == null ? null : turn.id();
    }
  }

  @WireSchema(file = "v2/ItemStartedNotification.json", direction = Direction.RECEIVED)
  public record ItemStarted(String threadId, String turnId, JsonNode item)
      implements Body {}

  @WireSchema(file = "v2/ItemCompletedNotification.json", direction = Direction.RECEIVED)
  public record ItemCompleted(String threadId, String turnId, JsonNode item)
      implements Body {}

  @WireSchema(file = "v2/AgentMessageDeltaNotification.json", direction = Direction.RECEIVED)
  public record AgentMessageDelta(String threadId, String turnId, String itemId, String delta)
      implements Body {}

  @WireSchema(file = "v2/CommandExecutionOutputDeltaNotification.json",
      direction = Direction.RECEIVED)
  public record CommandOutputDelta(String threadId, String turnId, String itemId, String delta)
      implements Body {}

  /** Codex reports a failing turn here before {@code turn/completed}. */
  @WireSchema(file = "v2/ErrorNotification.json", direction = Direction.RECEIVED)
  public record Error(String threadId, String turnId, TurnError error, boolean willRetry)
      implements Body {}

  @WireSchema(file = "v2/ServerRequestResolvedNotification.json", direction = Direction.RECEIVED)
  public record ServerRequestResolved(String threadId, JsonNode requestId)
      implements Body {}

  private Notifications() {}
}
