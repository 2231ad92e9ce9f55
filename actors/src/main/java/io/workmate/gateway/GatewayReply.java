package io.workmate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.openclaw.GatewayError;

/** The answer to a call on a gateway connection. */
public sealed interface GatewayReply {

  record Ok(JsonNode payload) implements GatewayReply {}

  /** The gateway answered with an error. */
  record Rejected(GatewayError error) implements GatewayReply {}

  /** No answer: not connected, the link dropped, or the call timed out. */
  record Unavailable(String reason) implements GatewayReply {}
}
