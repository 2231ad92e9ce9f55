package io.workmate.protocol.jsonrpc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** The {@code error} object of a JSON-RPC error response. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RpcError(int code, String message, JsonNode data) {

  /** Codex answers every protocol error with this code (invalid request, unknown thread, ...). */
  public static final int INVALID_REQUEST = -32600;

  public static final int METHOD_NOT_FOUND = -32601;

  public static final int INTERNAL_ERROR = -32603;

  public RpcError(int code, String message) {
    this(code, message, null);
  }

  @Override
  public String toString() {
    return message + " (code " + code + ")";
  }
}
