package io.workmate.protocol.codex;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/** A text {@code UserInput} item; the only input kind Workmate sends. */
@WireSchema(file = "v2/TurnStartParams.json", definition = "UserInput",
    direction = Direction.SENT)
public record TextInput(String type, String text,
    @JsonProperty("text_elements") List<Object> textElements) {

  public static TextInput of(String text) {
    return new TextInput("text", text, List.of());
  }
}
