package io.workmate.codex.config;

import java.util.List;

/**
 * A Codex configuration that Workmate or Codex itself refuses. Carries every problem found, so a
 * user fixes them all in one round instead of one per restart.
 */
public final class InvalidCodexConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public InvalidCodexConfigException(String summary, List<String> problems) {
    super(formatMessage(summary, problems));
    this.problems = List.copyOf(problems);
  }

  /** The individual problems, in the order they were found; never empty. */
  public List<String> problems() {
    return problems;
  }

  private static String formatMessage(String summary, List<String> problems) {
    StringBuilder message = new StringBuilder(summary);
    message
        .append(" (")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem)" : " problems)");
    for (String problem : problems) {
      message.append(System.lineSeparator()).append("  - ").append(problem);
    }
    return message.toString();
  }
}
