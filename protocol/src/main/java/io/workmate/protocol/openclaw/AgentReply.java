package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One of the two answers to an {@code agent} request, which share the request's id: first
 * {@link AgentAccepted} (keep the request pending), then {@link AgentResult} (complete it).
 */
public sealed interface AgentReply permits AgentAccepted, AgentResult {

  /** Whether this answer ends the request. */
  boolean isFinal();

  static AgentReply from(GatewayFrame.Response response, GatewayCodec codec)
      throws MalformedFrameException {
    JsonNode payload = response.payload();
    if (!response.ok()) {
      AgentResult partial = payload == null ? null : codec.read(payload, AgentResult.class);
      return AgentResult.failed(partial, response.error());
    }
    if (payload != null && AgentAccepted.STATUS.equals(payload.path("status").asText(null))) {
      return codec.read(payload, AgentAccepted.class);
    }
    return codec.read(payload, AgentResult.class);
  }
}
