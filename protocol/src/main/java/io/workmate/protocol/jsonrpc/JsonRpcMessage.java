package io.workmate.protocol.jsonrpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One line of the app-server's JSON-RPC stream. Requests, responses, notifications and
 * server-to-client requests share one id space, so the shape decides the kind: a {@code method}
 * with an {@code id} is a request, without one a notification; {@code result} or {@code error}
 * make a response.
 */
public sealed interface JsonRpcMessage {

  /** A call that expects an answer: from us to codex, or a server request from codex to us. */
  record Request(JsonNode id, String method, JsonNode params) implements JsonRpcMessage {
    public Request {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(method, "method");
    }
  }

  /** A one-way message. Codex adds a top-level {@code emittedAtMs}, kept when present. */
  record Notification(String method, JsonNode params, Long emittedAtMs) implements JsonRpcMessage {
    public Notification {
      Objects.requireNonNull(method, "method");
    }

    public Notification(String method, JsonNode params) {
      this(method, params, null);
    }
  }

  /** A successful answer to the request with the same id. */
  record Response(JsonNode id, JsonNode result) implements JsonRpcMessage {
    public Response {
      Objects.requireNonNull(id, "id");
    }
  }

  /** A failed answer; the id is null when the peer could not tell which request failed. */
  record ErrorResponse(JsonNode id, RpcError error) implements JsonRpcMessage {
    public ErrorResponse {
      Objects.requireNonNull(error, "error");
    }
  }
}
