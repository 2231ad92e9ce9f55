package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.jsonrpc.RpcError;

/** The outcome of one JSON-RPC call to an app-server process. */
public sealed interface CallResult {

  record Success(JsonNode result) implements CallResult {}

  record Failure(Kind kind, String reason, RpcError error) implements CallResult {

    public static Failure of(Kind kind, String reason) {
      return new Failure(kind, reason, null);
    }
  }

  enum Kind {
    /** Codex answered with a JSON-RPC error. */
    REMOTE_ERROR,
    /** No answer within the call's timeout. */
    TIMEOUT,
    /** The process died before answering, or was not running. */
    PROCESS_UNAVAILABLE,
    /** The answer did not have the expected shape. */
    MALFORMED
  }

  default boolean isSuccess() {
    return this instanceof Success;
  }
}
