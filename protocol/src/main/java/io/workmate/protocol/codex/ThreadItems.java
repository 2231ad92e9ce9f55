package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Reads codex's thread items (the {@code ThreadItem} union of the schema). Workmate passes items
 * on as JSON, so they are read where needed, by these few helpers, not decoded into records.
 */
public final class ThreadItems {

  public static final String AGENT_MESSAGE = "agentMessage";
  public static final String COMMAND_EXECUTION = "commandExecution";

  private ThreadItems() {}

  /** The item's {@code type}; empty when it has none. */
  public static String type(JsonNode item) {
    return item == null ? "" : item.path("type").asText("");
  }

  /** The text of an agent message; empty for any other item. */
  public static Optional<String> agentMessageText(JsonNode item) {
    return AGENT_MESSAGE.equals(type(item))
        ? Optional.of(item.path("text").asText("")) : Optional.empty();
  }
}
