package io.workmate.protocol.responses;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One answer of the {@link ScriptedProvider}: what the "model" says to one {@code POST
 * /v1/responses}. Stream-shaped replies carry {@code delayMs}, the pause between two SSE events,
 * so tests can keep a turn in flight long enough to observe or interrupt it.
 */
public sealed interface ScriptedReply {

  /** Deltas per text reply unless told otherwise (what the real API roughly does for a sentence). */
  int DEFAULT_CHUNKS = 4;

  /** Upper bound for {@code delayMs}: a scripted pause longer than this is a typo, not a test. */
  long MAX_DELAY_MS = 600_000;

  /** An assistant message streamed as {@code chunks} {@code response.output_text.delta} events. */
  record Text(String text, int chunks, long delayMs) implements ScriptedReply {
    public Text {
      Objects.requireNonNull(text, "text");
      if (chunks < 1) {
        throw new IllegalArgumentException("chunks must be at least 1, got " + chunks);
      }
      requireValidDelay(delayMs);
    }

    public Text withChunks(int newChunks) {
      return new Text(text, newChunks, delayMs);
    }

    @Override
    public Text withDelay(long newDelayMs) {
      return new Text(text, chunks, newDelayMs);
    }

    /**
     * The text cut into at most {@code chunks} non-empty pieces of near-equal length; fewer when
     * the text is shorter than that, none when it is empty. Cuts fall between code points so a
     * delta never splits a surrogate pair.
     */
    public List<String> deltas() {
      int codePoints = text.codePointCount(0, text.length());
      int pieces = Math.min(chunks, codePoints);
      List<String> deltas = new ArrayList<>(pieces);
      int start = 0;
      for (int piece = 1; piece <= pieces; piece++) {
        int endCodePoint = (int) ((long) codePoints * piece / pieces);
        int end = text.offsetByCodePoints(0, endCodePoint);
        deltas.add(text.substring(start, end));
        start = end;
      }
      return deltas;
    }
  }

  /** A {@code function_call} of codex's shell tool {@code exec_command}. */
  record ExecCommand(String cmd, long delayMs) implements ScriptedReply {
    public ExecCommand {
      if (cmd == null || cmd.isBlank()) {
        throw new IllegalArgumentException("exec_command needs a non-blank command");
      }
      requireValidDelay(delayMs);
    }

    @Override
    public ExecCommand withDelay(long newDelayMs) {
      return new ExecCommand(cmd, newDelayMs);
    }
  }

  /** A {@code custom_tool_call} of codex's freeform {@code apply_patch} tool adding one file. */
  record ApplyPatch(String path, String content, long delayMs) implements ScriptedReply {
    public ApplyPatch {
      if (path == null || path.isBlank() || path.contains("\n")) {
        throw new IllegalArgumentException("apply_patch needs a single-line, non-blank path");
      }
      Objects.requireNonNull(content, "content");
      requireValidDelay(delayMs);
    }

    @Override
    public ApplyPatch withDelay(long newDelayMs) {
      return new ApplyPatch(path, content, newDelayMs);
    }

    /**
     * The patch in codex's apply_patch grammar: every content line prefixed with {@code +}. A
     * trailing newline does not add an empty line; empty content becomes one empty line because
     * an "Add File" hunk needs at least one.
     */
    public String patchText() {
      String body = content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
      StringBuilder patch = new StringBuilder("*** Begin Patch\n*** Add File: ").append(path);
      patch.append('\n');
      for (String line : body.split("\n", -1)) {
        patch.append('+').append(line).append('\n');
      }
      return patch.append("*** End Patch\n").toString();
    }
  }

  /**
   * A {@code custom_tool_call} of codex's {@code apply_patch} tool updating file {@code path}:
   * its line {@code oldLine} becomes {@code newLine} (which may hold several lines).
   */
  record EditFile(String path, String oldLine, String newLine, long delayMs)
      implements ScriptedReply {
    public EditFile {
      if (path == null || path.isBlank() || path.contains("\n")) {
        throw new IllegalArgumentException("apply_patch needs a single-line, non-blank path");
      }
      if (oldLine == null || oldLine.isEmpty() || oldLine.contains("\n")) {
        throw new IllegalArgumentException("an edit needs the single, non-empty line it replaces");
      }
      Objects.requireNonNull(newLine, "newLine");
      requireValidDelay(delayMs);
    }

    @Override
    public EditFile withDelay(long newDelayMs) {
      return new EditFile(path, oldLine, newLine, newDelayMs);
    }

    /** The patch in codex's apply_patch grammar: an Update File hunk, {@code -old} {@code +new}. */
    public String patchText() {
      StringBuilder patch = new StringBuilder("*** Begin Patch\n*** Update File: ").append(path);
      patch.append("\n@@\n-").append(oldLine).append('\n');
      for (String line : newLine.split("\n", -1)) {
        patch.append('+').append(line).append('\n');
      }
      return patch.append("*** End Patch\n").toString();
    }
  }

  /** A plain HTTP error (no SSE) with an OpenAI-style JSON error body. */
  record HttpError(int status, String message) implements ScriptedReply {
    public HttpError {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("HTTP error status must be 400-599, got " + status);
      }
      Objects.requireNonNull(message, "message");
    }
  }

  /** A 200 SSE stream that ends in {@code response.failed} carrying {@code message}. */
  record Failed(String message) implements ScriptedReply {
    public Failed {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Starts a message, sends one delta, then goes silent while holding the connection open (until
   * the provider closes or {@link ScriptedProvider#STALL_CAP} passes): a model that hangs.
   */
  record Stall() implements ScriptedReply {}

  /**
   * The same reply pausing {@code delayMs} between SSE events; replies that have no stream to pace
   * ({@link HttpError}, {@link Failed}, {@link Stall}) return themselves.
   */
  default ScriptedReply withDelay(long delayMs) {
    return this;
  }

  static Text text(String text) {
    return new Text(text, DEFAULT_CHUNKS, 0);
  }

  static Text text(String text, int chunks) {
    return new Text(text, chunks, 0);
  }

  static ExecCommand exec(String cmd) {
    return new ExecCommand(cmd, 0);
  }

  static ApplyPatch applyPatch(String path, String content) {
    return new ApplyPatch(path, content, 0);
  }

  static EditFile editFile(String path, String oldLine, String newLine) {
    return new EditFile(path, oldLine, newLine, 0);
  }

  static HttpError httpError(int status, String message) {
    return new HttpError(status, message);
  }

  static Failed failed(String message) {
    return new Failed(message);
  }

  static Stall stall() {
    return new Stall();
  }

  private static void requireValidDelay(long delayMs) {
    if (delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new IllegalArgumentException(
          "delayMs must be between 0 and " + MAX_DELAY_MS + ", got " + delayMs);
    }
  }
}
