package io.workmate.protocol.openclaw;

/** A frame over the gateway's size limit; the gateway would close the socket on it. */
public final class FrameTooLargeException extends MalformedFrameException {

  private final long sizeBytes;
  private final long maxBytes;

  public FrameTooLargeException(long sizeBytes, long maxBytes) {
    super("frame of " + sizeBytes + " bytes exceeds the limit of " + maxBytes + " bytes");
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  public long maxBytes() {
    return maxBytes;
  }
}
