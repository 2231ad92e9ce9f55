package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import java.util.Map;

/**
 * A notification from the app-server, decoded once where it is read off the pipe.
 *
 * @param body the typed params: a {@link Notifications} record for a method Workmate reads,
 *     {@link Notifications.Other} for any other
 * @param params the params as received, for subscribers that pass them on as they are
 */
public record CodexNotification(String method, Notifications.Body body, JsonNode params) {

  private static final Map<String, Class<? extends Notifications.Body>> BODIES = Map.of(
      CodexMethods.THREAD_STARTED, Notifications.ThreadStarted.class,
      CodexMethods.THREAD_STATUS_CHANGED, Notifications.ThreadStatusChanged.class,
      CodexMethods.TURN_STARTED, Notifications.TurnStarted.class,
      CodexMethods.TURN_COMPLETED, Notifications.TurnCompleted.class,
      CodexMethods.ITEM_STARTED, Notifications.ItemStarted.class,
      CodexMethods.ITEM_COMPLETED, Notifications.ItemCompleted.class,
      CodexMethods.AGENT_MESSAGE_DELTA, Notifications.AgentMessageDelta.class,
      CodexMethods.COMMAND_OUTPUT_DELTA, Notifications.CommandOutputDelta.class,
      CodexMethods.ERROR, Notifications.Error.class,
      CodexMethods.SERVER_REQUEST_RESOLVED, Notifications.ServerRequestResolved.class);

  /** The thread it is about; null when it names none. */
  public String threadId() {
    return body.threadId();
  }

  /**
   * Reads the params into the method's record. Params of an unexpected shape read as
   * {@link Notifications.Other}: a notification is never an error.
   */
  public static CodexNotification decode(JsonRpcMessage.Notification notification,
      JsonRpcCodec codec) {
    Class<? extends Notifications.Body> type =
        BODIES.getOrDefault(notification.method(), Notifications.Other.class);
    return new CodexNotification(notification.method(),
        read(codec, notification.params(), type), notification.params());
  }

  /** A notification Workmate makes up itself, about one thread. */
  public static CodexNotification of(String method, String threadId, JsonNode params) {
    return new CodexNotification(method, new Notifications.Other(threadId, null, null, null),
        params);
  }

  private static Notifications.Body read(JsonRpcCodec codec, JsonNode params,
      Class<? extends Notifications.Body> type) {
    try {
      return codec.fromTree(params, type);
    } catch (MalformedMessageException e) {
      if (type == Notifications.Other.class) {
        return Notifications.Other.NONE;
      }
      return read(codec, params, Notifications.Other.class);
    }
  }
}
