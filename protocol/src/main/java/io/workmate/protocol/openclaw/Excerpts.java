package io.workmate.protocol.openclaw;

/** Short, single-line quotes of frames for error messages: a hello-ok alone is ~16 KB. */
final class Excerpts {

  static final int MAX_CHARS = 160;

  static String of(String text) {
    if (text == null) {
      return "(null)";
    }
    String head = text.length() <= MAX_CHARS ? text : text.substring(0, MAX_CHARS);
    String oneLine = head.replace('\n', ' ').replace('\r', ' ');
    return text.length() <= MAX_CHARS
        ? oneLine
        : oneLine + "... (" + text.length() + " chars)";
  }

  private Excerpts() {}
}
