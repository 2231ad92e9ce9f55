package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.Notifications;
import io.workmate.protocol.codex.Turn;
import io.workmate.protocol.codex.TurnStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What codex's notifications about a running turn do: each names the turn, adds to what it
 * produced ({@link RunningTurn}) and is streamed on as a {@link ThreadEvent}; {@code turn/completed}
 * says how it ended. Notifications Workmate does not read go on as {@link ThreadEvent.Notice}.
 */
final class TurnNotifications {

  /** How codex says the turn ended; {@code error} is null when it completed. */
  record Ended(TurnResult.Outcome outcome, String error) {}

  private final ThreadSubscribers subscribers;

  TurnNotifications(ThreadSubscribers subscribers) {
    this.subscribers = subscribers;
  }

  /** Applies a notification about {@code turn} (not a late one of an earlier turn). */
  Optional<Ended> apply(CodexNotification notification, String threadId, RunningTurn turn) {
    Notifications.Body body = notification.body();
    String turnId = body.turnId();
    if (body instanceof Notifications.TurnStarted) {
      turn.named(turnId);
      subscribers.publish(new ThreadEvent.TurnStarted(threadId, turnId));
    } else if (body instanceof Notifications.ItemStarted started) {
      subscribers.publish(new ThreadEvent.ItemStarted(threadId, turnId, item(started.item())));
    } else if (body instanceof Notifications.ItemCompleted completed) {
      JsonNode item = item(completed.item());
      turn.itemCompleted(item);
      subscribers.publish(new ThreadEvent.ItemCompleted(threadId, turnId, item));
    } else if (body instanceof Notifications.AgentMessageDelta delta) {
      subscribers.publish(new ThreadEvent.AgentMessageDelta(threadId, turnId,
          text(delta.itemId()), text(delta.delta())));
    } else if (body instanceof Notifications.CommandOutputDelta delta) {
      subscribers.publish(new ThreadEvent.CommandOutputDelta(threadId, turnId,
          text(delta.itemId()), text(delta.delta())));
    } else if (body instanceof Notifications.TurnCompleted completed) {
      return Optional.of(ended(completed.turn(), turn));
    } else {
      if (body instanceof Notifications.Error error && !error.willRetry()) {
        turn.failed(error.error() == null ? null : error.error().message());
      }
      subscribers.publish(
          new ThreadEvent.Notice(threadId, notification.method(), notification.params()));
    }
    return Optional.empty();
  }

  private static Ended ended(Turn completed, RunningTurn turn) {
    if (completed == null) {
      completed = new Turn(null, TurnStatus.UNKNOWN, null, List.of(), null);
    }
    turn.named(completed.id());
    TurnStatus status = completed.status() == null ? TurnStatus.UNKNOWN : completed.status();
    String error = turn.errorOr(completed.error() == null ? null : completed.error().message());
    turn.summarised(completed.items());
    switch (status) {
      case COMPLETED:
        return new Ended(TurnResult.Outcome.COMPLETED, null);
      case INTERRUPTED:
        return new Ended(TurnResult.Outcome.INTERRUPTED,
            error != null ? error : "the turn was interrupted");
      default:
        return new Ended(TurnResult.Outcome.FAILED,
            error != null ? error : "codex reported the turn as \"" + wire(status) + "\"");
    }
  }

  private static String wire(TurnStatus status) {
    return switch (status) {
      case COMPLETED -> "completed";
      case INTERRUPTED -> "interrupted";
      case FAILED -> "failed";
      case IN_PROGRESS -> "inProgress";
      case UNKNOWN -> "unknown";
    };
  }

  private static JsonNode item(JsonNode item) {
    return item == null ? MissingNode.getInstance() : item;
  }

  private static String text(String value) {
    return Objects.requireNonNullElse(value, "");
  }
}
