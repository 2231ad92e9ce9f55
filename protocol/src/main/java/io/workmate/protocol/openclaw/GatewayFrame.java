package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One WebSocket text frame of the gateway protocol. The {@code type} member names the kind:
 * {@code req} (client to gateway), {@code res} (the answer with the same id; the {@code agent}
 * method answers twice) and {@code event} (gateway push, numbered per connection by {@code seq}).
 */
public sealed interface GatewayFrame {

  /** The wire value of {@code type} for this kind of frame. */
  String type();

  /** A call; {@code params} may be null (omitted on the wire). Ids are strings, never numbers. */
  record Request(String id, String method, JsonNode params) implements GatewayFrame {
    public static final String TYPE = "req";

    public Request {
      if (id == null || id.isEmpty() || method == null || method.isEmpty()) {
        throw new IllegalArgumentException("a request needs an id and a method");
      }
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * An answer. {@code ok=false} carries an {@code error}; the gateway may still send a
   * {@code payload} alongside it (the final answer of a failed {@code agent} run does).
   */
  record Response(String id, boolean ok, JsonNode payload, GatewayError error)
      implements GatewayFrame {
    public static final String TYPE = "res";

    public Response {
      Objects.requireNonNull(id, "id");
    }

    public static Response success(String id, JsonNode payload) {
      return new Response(id, true, payload, null);
    }

    public static Response failure(String id, GatewayError error) {
      return new Response(id, false, null, Objects.requireNonNull(error, "error"));
    }

    @Override
    public String type() {
      return TYPE;
    }
  }

  /**
   * A push. {@code seq} is absent on targeted events such as {@code connect.challenge};
   * {@code stateVersion} only comes with presence/health state.
   */
  record Event(String event, JsonNode payload, Long seq, JsonNode stateVersion)
      implements GatewayFrame {
    public static final String TYPE = "event";

    public Event {
      Objects.requireNonNull(event, "event");
    }

    public Event(String event, JsonNode payload) {
      this(event, payload, null, null);
    }

    @Override
    public String type() {
      return TYPE;
    }
  }
}
