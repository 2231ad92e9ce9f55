package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes the envelope member by member: the gateway's frame schemas are closed, so only known
 * members go out and absent ones are omitted rather than written as null.
 */
final class FrameEncoder {

  private final ObjectMapper mapper;

  FrameEncoder(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  String encode(GatewayFrame frame) {
    ObjectNode node = mapper.createObjectNode();
    node.put("type", frame.type());
    if (frame instanceof GatewayFrame.Request request) {
      node.put("id", request.id());
      node.put("method", request.method());
      putIfPresent(node, "params", request.params());
    } else if (frame instanceof GatewayFrame.Response response) {
      node.put("id", response.id());
      node.put("ok", response.ok());
      putIfPresent(node, "payload", response.payload());
      if (response.error() != null) {
        node.set("error", mapper.valueToTree(response.error()));
      }
    } else if (frame instanceof GatewayFrame.Event event) {
      node.put("event", event.event());
      putIfPresent(node, "payload", event.payload());
      if (event.seq() != null) {
        node.put("seq", event.seq());
      }
      putIfPresent(node, "stateVersion", event.stateVersion());
    }
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  private static void putIfPresent(ObjectNode node, String field, JsonNode value) {
    if (value != null && !value.isNull() && !value.isMissingNode()) {
      node.set(field, value);
    }
  }
}
