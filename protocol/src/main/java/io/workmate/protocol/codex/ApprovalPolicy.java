package io.workmate.protocol.codex;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * When Codex asks before acting ({@code AskForApproval} in the schema): {@code untrusted} asks for
 * every command and patch, {@code on-request} only when the model asks to escalate, {@code never}
 * never asks.
 */
public enum ApprovalPolicy {
  UNTRUSTED("untrusted"),
  ON_REQUEST("on-request"),
  NEVER("never");

  private final String wire;

  ApprovalPolicy(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static ApprovalPolicy parse(String value) {
    for (ApprovalPolicy policy : values()) {
      if (policy.wire.equals(value)) {
        return policy;
      }
    }
    throw new IllegalArgumentException(
        "unknown approval policy '" + value + "'; expected one of " + allowed());
  }

  public static String allowed() {
    return Arrays.stream(values()).map(ApprovalPolicy::wire).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wire;
  }
}
