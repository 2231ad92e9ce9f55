package io.workmate.protocol.openclaw;

/** A text frame that is not a gateway frame: not JSON, not an object, or of the wrong shape. */
public class MalformedFrameException extends Exception {

  public MalformedFrameException(String message) {
    super(message);
  }

  public MalformedFrameException(String message, Throwable cause) {
    super(message, cause);
  }
}
