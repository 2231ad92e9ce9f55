package io.workmate.codex.config;

import java.util.List;

/** No usable Codex executable in any of the places {@link CodexBinary} looks. */
public final class CodexNotFoundException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final List<String> attempts;

  public CodexNotFoundException(List<String> attempts) {
    super(formatMessage(attempts));
    this.attempts = List.copyOf(attempts);
  }

  /** One line per place tried, in lookup order, each saying what was wrong there. */
  public List<String> attempts() {
    return attempts;
  }

  private static String formatMessage(List<String> attempts) {
    StringBuilder message = new StringBuilder("Codex CLI not found; tried, in order:");
    for (int i = 0; i < attempts.size(); i++) {
      message
          .append(System.lineSeparator())
          .append("  ")
          .append(i + 1)
          .append(". ")
          .append(attempts.get(i));
    }
    message
        .append(System.lineSeparator())
        .append("Run scripts/setup to install the pinned Codex CLI into .tools/codex, or set ")
        .append(CodexBinary.ENV_VAR)
        .append(" to the codex executable.");
    return message.toString();
  }
}
