package io.workmate.protocol;

/**
 * Short, single-line quotes of wire messages for error messages: a message can be megabytes
 * (an OpenClaw hello-ok alone is ~16 KB), and an error should show what it was, not all of it.
 */
public final class Excerpts {

  /** Enough to recognise a gateway frame. */
  public static final int MAX_CHARS = 160;

  private Excerpts() {}

  public static String of(String text) {
    return of(text, MAX_CHARS);
  }

  /** At most {@code maxChars} of {@code text} on one line, saying how long the whole was. */
  public static String of(String text, int maxChars) {
    if (text == null) {
      return "(null)";
    }
    String head = text.length() <= maxChars ? text : text.substring(0, maxChars);
    String oneLine = head.replace('\n', ' ').replace('\r', ' ');
    return text.length() <= maxChars ? oneLine : oneLine + "... (" + text.length() + " chars)";
  }
}
