package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ThreadItems;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The turn a {@link CodexThread} has in flight: what codex said about it so far, and when it last
 * said anything (for the watchdog). Mutable, but only ever touched by that actor.
 */
final class RunningTurn {

  final long seq;
  final CodexThread.RunTurn request;
  private final Instant startedAt;
  private final List<JsonNode> items = new ArrayList<>();
  private String turnId;
  private String lastAgentText = "";
  private String lastError;
  private boolean interruptRequested;
  private Instant lastEventAt;

  RunningTurn(long seq, CodexThread.RunTurn request, Instant now) {
    this.seq = seq;
    this.request = request;
    this.startedAt = now;
    this.lastEventAt = now;
  }

  /** Codex's id of the turn; null until codex names it. */
  String turnId() {
    return turnId;
  }

  /** The first id codex names the turn by sticks. */
  void named(String id) {
    if (turnId == null) {
      turnId = id;
    }
  }

  /** Whether an event names another turn (a late one of an earlier turn). */
  boolean isAbout(String otherTurnId) {
    return otherTurnId == null || turnId == null || otherTurnId.equals(turnId);
  }

  void requestInterrupt() {
    interruptRequested = true;
  }

  boolean interruptRequested() {
    return interruptRequested;
  }

  /** Codex said something about the turn (or a reviewer answered for it). */
  void touch(Instant now) {
    lastEventAt = now;
  }

  Duration silentFor(Instant now) {
    return Duration.between(lastEventAt, now);
  }

  void itemCompleted(JsonNode item) {
    items.add(item);
    ThreadItems.agentMessageText(item).ifPresent(text -> lastAgentText = text);
  }

  /** Codex's error notification: kept, in case turn/completed carries no error of its own. */
  void failed(String message) {
    lastError = message;
  }

  /** Codex summarises agent messages on turn/completed; used if item/completed was missed. */
  void summarised(List<JsonNode> summary) {
    if (lastAgentText.isEmpty() && summary != null) {
      summary.forEach(item -> ThreadItems.agentMessageText(item)
          .ifPresent(text -> lastAgentText = text));
    }
  }

  /** {@code reported}, or else the error codex notified during the turn. */
  String errorOr(String reported) {
    return reported != null ? reported : lastError;
  }

  TurnResult result(String threadId, TurnResult.Outcome outcome, String error, Instant now) {
    return new TurnResult(threadId, Optional.ofNullable(turnId), outcome, lastAgentText,
        Optional.ofNullable(error), List.copyOf(items), Duration.between(startedAt, now));
  }
}
