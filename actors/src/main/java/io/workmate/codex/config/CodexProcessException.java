package io.workmate.codex.config;

/**
 * Codex could not be run at all, did not finish in time, or printed something unexpected. Distinct
 * from {@link InvalidCodexConfigException}: the configuration may well be fine.
 */
public final class CodexProcessException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CodexProcessException(String message) {
    super(message);
  }

  public CodexProcessException(String message, Throwable cause) {
    super(message, cause);
  }
}
