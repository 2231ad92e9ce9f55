package io.workmate.protocol.openclaw;

import io.workmate.protocol.Excerpts;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Checks the envelope of one frame and builds the record. Unknown members are ignored (the
 * gateway adds fields between releases); known members of the wrong type are errors, because a
 * frame read wrongly could complete the wrong request.
 */
final class FrameDecoder {

  private final ObjectMapper mapper;

  FrameDecoder(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  GatewayFrame decode(String text) throws MalformedFrameException {
    if (text == null) {
      throw new MalformedFrameException("null frame");
    }
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new MalformedFrameException(
          "not JSON (" + Excerpts.of(e.getOriginalMessage()) + "): " + Excerpts.of(text), e);
    }
    if (node == null || !node.isObject()) {
      throw fail("not a JSON object", text);
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw fail("missing string member 'type'", text);
    }
    return switch (type.asText()) {
      case GatewayFrame.Request.TYPE -> request(node, text);
      case GatewayFrame.Response.TYPE -> response(node, text);
      case GatewayFrame.Event.TYPE -> event(node, text);
      default -> throw fail(
          "unknown type '" + type.asText() + "' (expected req, res or event)", text);
    };
  }

  private GatewayFrame.Request request(JsonNode node, String text)
      throws MalformedFrameException {
    String id = requiredString(node, "id", "req", text);
    String method = requiredString(node, "method", "req", text);
    return new GatewayFrame.Request(id, method, optional(node, "params"));
  }

  private GatewayFrame.Response response(JsonNode node, String text)
      throws MalformedFrameException {
    String id = requiredString(node, "id", "res", text);
    JsonNode ok = node.get("ok");
    if (ok == null || !ok.isBoolean()) {
      throw fail("res needs a boolean 'ok'", text);
    }
    JsonNode error = optional(node, "error");
    if (!ok.asBoolean() && error == null) {
      throw fail("res with ok=false has no 'error'", text);
    }
    GatewayError parsed = error == null ? null : error(error, text);
    return new GatewayFrame.Response(id, ok.asBoolean(), optional(node, "payload"), parsed);
  }

  private GatewayFrame.Event event(JsonNode node, String text) throws MalformedFrameException {
    String name = requiredString(node, "event", "event", text);
    JsonNode seq = optional(node, "seq");
    if (seq != null && !seq.isIntegralNumber()) {
      throw fail("event 'seq' is not an integer", text);
    }
    JsonNode stateVersion = optional(node, "stateVersion");
    if (stateVersion != null && !stateVersion.isObject()) {
      throw fail("event 'stateVersion' is not an object", text);
    }
    return new GatewayFrame.Event(name, optional(node, "payload"),
        seq == null ? null : seq.asLong(), stateVersion);
  }

  private GatewayError error(JsonNode error, String text) throws MalformedFrameException {
    if (!error.isObject()) {
      throw fail("res 'error' is not an object", text);
    }
    String code = requiredString(error, "code", "error", text);
    String message = requiredString(error, "message", "error", text);
    JsonNode retryable = optional(error, "retryable");
    if (retryable != null && !retryable.isBoolean()) {
      throw fail("error 'retryable' is not a boolean", text);
    }
    JsonNode retryAfterMs = optional(error, "retryAfterMs");
    if (retryAfterMs != null && !retryAfterMs.isIntegralNumber()) {
      throw fail("error 'retryAfterMs' is not an integer", text);
    }
    return new GatewayError(code, message, optional(error, "details"),
        retryable == null ? null : retryable.asBoolean(),
        retryAfterMs == null ? null : retryAfterMs.asLong());
  }

  private static String requiredString(JsonNode node, String field, String kind, String text)
      throws MalformedFrameException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw fail(kind + " without '" + field + "'", text);
    }
    if (!value.isTextual()) {
      throw fail(kind + " '" + field + "' is not a string but " + value.getNodeType(), text);
    }
    if (value.asText().isEmpty()) {
      throw fail(kind + " '" + field + "' is empty", text);
    }
    return value.asText();
  }

  /** Absent and JSON null read the same: the gateway omits optional members. */
  private static JsonNode optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  private static MalformedFrameException fail(String problem, String text) {
    return new MalformedFrameException(problem + ": " + Excerpts.of(text));
  }
}
