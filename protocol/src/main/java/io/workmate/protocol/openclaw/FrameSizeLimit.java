package io.workmate.protocol.openclaw;

/**
 * The largest frame the gateway accepts, in UTF-8 bytes: 64 KiB until the handshake is done,
 * then {@code hello-ok.policy.maxPayload} (25 MiB on 2026.9.6). The gateway closes the socket on
 * a bigger frame instead of answering, so a caller checks before sending.
 */
public record FrameSizeLimit(long maxBytes) {

  public static final long BEFORE_HELLO_MAX_BYTES = 64 * 1024;

  /** What 2026.9.6 announced; used when a hello-ok has no policy. */
  public static final long DEFAULT_MAX_PAYLOAD_BYTES = 26_214_400;

  public FrameSizeLimit {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
  }

  public static FrameSizeLimit beforeHello() {
    return new FrameSizeLimit(BEFORE_HELLO_MAX_BYTES);
  }

  public static FrameSizeLimit after(HelloOk hello) {
    Long announced = hello == null || hello.policy() == null ? null : hello.policy().maxPayload();
    return new FrameSizeLimit(
        announced == null || announced <= 0 ? DEFAULT_MAX_PAYLOAD_BYTES : announced);
  }

  public boolean fits(String frame) {
    // cheap bounds first: a char is 1 to 3 UTF-8 bytes (a surrogate pair is 4 for 2 chars)
    if ((long) frame.length() * 3 <= maxBytes) {
      return true;
    }
    return frame.length() <= maxBytes && utf8Length(frame) <= maxBytes;
  }

  public void check(String frame) throws FrameTooLargeException {
    if (!fits(frame)) {
      throw new FrameTooLargeException(utf8Length(frame), maxBytes);
    }
  }

  static long utf8Length(CharSequence text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
