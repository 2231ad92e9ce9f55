package io.workmate.protocol.jsonrpc;

/** A line that is not a JSON-RPC message: not JSON, not an object, or of no known shape. */
public final class MalformedMessageException extends Exception {

  public MalformedMessageException(String message) {
    super(message);
  }

  public MalformedMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
