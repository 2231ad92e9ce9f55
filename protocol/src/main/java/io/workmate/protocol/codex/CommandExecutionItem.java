package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import java.util.List;
import java.util.Optional;

/**
 * A {@code commandExecution} item (one variant of the schema's {@code ThreadItem} union): what
 * Workmate reads of a command codex ran. Items travel on as JSON; this reads one where needed.
 */
@WireSchema(file = "v2/ItemCompletedNotification.json", definition = "ThreadItem",
    direction = Direction.RECEIVED)
public record CommandExecutionItem(String type, String id, String command,
    List<CommandAction> commandActions, String aggregatedOutput, Integer exitCode,
    Long durationMs) {

  /** Codex's parse of (a part of) the command; every kind of action carries the command. */
  @WireSchema(file = "v2/ItemCompletedNotification.json", definition = "CommandAction",
      direction = Direction.RECEIVED)
  public record CommandAction(String type, String command) {}

  private static final JsonRpcCodec CODEC = JsonRpcCodec.shared();

  /** The item as a command execution; empty for any other item or one it cannot read. */
  public static Optional<CommandExecutionItem> of(JsonNode item) {
    if (item == null || !ThreadItems.COMMAND_EXECUTION.equals(ThreadItems.type(item))) {
      return Optional.empty();
    }
    try {
      return Optional.of(CODEC.fromTree(item, CommandExecutionItem.class));
    } catch (MalformedMessageException e) {
      return Optional.empty();
    }
  }
}
