package io.workmate.protocol.codex;

import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/** {@code turn/start}, {@code turn/steer} and {@code turn/interrupt}. */
public final class TurnRequests {

  @WireSchema(file = "v2/TurnStartParams.json", direction = Direction.SENT)
  public record StartParams(String threadId, List<TextInput> input, String cwd,
      ApprovalPolicy approvalPolicy, String model) {}

  @WireSchema(file = "v2/TurnStartResponse.json", direction = Direction.RECEIVED)
  public record StartResult(Turn turn) {}

  /** Adds input to the running turn; codex checks {@code expectedTurnId} is still the active one. */
  @WireSchema(file = "v2/TurnSteerParams.json", direction = Direction.SENT)
  public record SteerParams(String threadId, List<TextInput> input, String expectedTurnId) {}

  @WireSchema(file = "v2/TurnSteerResponse.json", direction = Direction.RECEIVED)
  public record SteerResult(String turnId) {}

  @WireSchema(file = "v2/TurnInterruptParams.json", direction = Direction.SENT)
  public record InterruptParams(String threadId, String turnId) {}

  private TurnRequests() {}
}
