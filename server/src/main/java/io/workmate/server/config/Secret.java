package io.workmate.server.config;

import java.util.Objects;

/** A value that must never reach a log: its {@code toString} hides it. */
public final class Secret {

  private final String value;

  public Secret(String value) {
    this.value = Objects.requireNonNull(value);
  }

  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return value.isEmpty() ? "(empty)" : "(secret, " + value.length() + " chars)";
  }
}
