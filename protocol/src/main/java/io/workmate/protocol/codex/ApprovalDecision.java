package io.workmate.protocol.codex;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a reviewer decides. {@code decline} lets the turn go on without the action; {@code cancel}
 * also ends the turn ({@code interrupted}).
 */
public enum ApprovalDecision {
  ACCEPT("accept"),
  ACCEPT_FOR_SESSION("acceptForSession"),
  DECLINE("decline"),
  CANCEL("cancel");

  private final String wire;

  ApprovalDecision(String wire) {
    this.wire = wire;
  }

  @JsonValue
  public String wire() {
    return wire;
  }

  @JsonCreator
  public static ApprovalDecision parse(String value) {
    for (ApprovalDecision decision : values()) {
      if (decision.wire.equals(value)) {
        return decision;
      }
    }
    throw new IllegalArgumentException(
        "unknown approval decision '" + value + "'; expected one of " + allowed());
  }

  public static String allowed() {
    return Arrays.stream(values()).map(ApprovalDecision::wire).collect(Collectors.joining(", "));
  }

  public boolean approves() {
    return this == ACCEPT || this == ACCEPT_FOR_SESSION;
  }

  /** The same decision in the legacy v1 vocabulary ({@code ReviewDecision}). */
  public JsonNode legacyWire() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    switch (this) {
      case ACCEPT:
        return json.textNode("approved");
      case ACCEPT_FOR_SESSION:
        return json.textNode("approved_for_session");
      case CANCEL:
        return json.textNode("abort");
      default:
        ObjectNode denied = json.objectNode();
        denied.putObject("denied").put("rejection", "declined by the Workmate reviewer");
        return denied;
    }
  }

  @Override
  public String toString() {
    return wire;
  }
}
