package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.openclaw.RunEvent.Outcome;
import io.workmate.protocol.openclaw.RunEvent.Source;
import java.util.Optional;

/** Reads {@code chat}/{@code agent} payloads leniently: missing members become nulls. */
final class RunEventReader {

  static Optional<RunEvent> read(GatewayFrame.Event event) {
    JsonNode payload = event.payload();
    if (payload == null || !payload.isObject() || text(payload, "runId") == null) {
      return Optional.empty();
    }
    return switch (event.event()) {
      case GatewayEvents.CHAT -> Optional.of(chat(payload));
      case GatewayEvents.AGENT -> Optional.of(agent(payload));
      default -> Optional.empty();
    };
  }

  private static RunEvent chat(JsonNode payload) {
    String state = text(payload, "state");
    Outcome outcome = state == null ? null : switch (state) {
      case RunEvent.STATE_FINAL -> Outcome.COMPLETED;
      case RunEvent.STATE_ERROR -> Outcome.FAILED;
      case RunEvent.STATE_ABORTED -> Outcome.ABORTED;
      default -> null;
    };
    return new RunEvent(Source.CHAT, text(payload, "runId"), text(payload, "sessionKey"), null,
        state, text(payload, "phase"), text(payload, "deltaText"),
        messageText(payload.get("message")), outcome, text(payload, "errorMessage"),
        text(payload, "stopReason"), number(payload, "seq"));
  }

  private static RunEvent agent(JsonNode payload) {
    String stream = text(payload, "stream");
    JsonNode data = payload.path("data");
    String phase = text(data, "phase");
    String deltaText = null;
    String text = null;
    Outcome outcome = null;
    if (RunEvent.STREAM_ASSISTANT.equals(stream)) {
      deltaText = text(data, "delta");
      text = text(data, "text");
    } else if (RunEvent.STREAM_LIFECYCLE.equals(stream)) {
      outcome = lifecycleOutcome(phase, data);
      text = text(data.path("terminalReply"), "text");
    }
    return new RunEvent(Source.AGENT, text(payload, "runId"), text(payload, "sessionKey"),
        stream, null, phase, deltaText, text, outcome, text(data, "error"),
        text(data, "stopReason"), number(payload, "seq"));
  }

  /** Lifecycle {@code end} and {@code error} end a run; an abort shows as {@code aborted:true}. */
  private static Outcome lifecycleOutcome(String phase, JsonNode data) {
    boolean end = RunEvent.PHASE_END.equals(phase);
    if (!end && !RunEvent.PHASE_ERROR.equals(phase)) {
      return null;
    }
    if (data.path("aborted").asBoolean(false)) {
      return Outcome.ABORTED;
    }
    boolean failed = !end || text(data, "error") != null;
    return failed ? Outcome.FAILED : Outcome.COMPLETED;
  }

  /** The text parts of a chat message: {@code content} is a part list or a plain string. */
  private static String messageText(JsonNode message) {
    if (message == null || !message.isObject()) {
      return null;
    }
    JsonNode content = message.get("content");
    if (content == null) {
      return null;
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(text(part, "type")) && text(part, "text") != null) {
        text.append(part.get("text").asText());
      }
    }
    return text.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static Long number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isIntegralNumber() ? value.asLong() : null;
  }

  private RunEventReader() {}
}
