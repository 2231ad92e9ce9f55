package io.workmate.protocol.codex;

import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/** The {@code initialize} handshake. */
public final class Initialize {

  @WireSchema(file = "v1/InitializeParams.json", direction = Direction.SENT)
  public record Params(ClientInfo clientInfo, Capabilities capabilities) {}

  @WireSchema(file = "v1/InitializeParams.json", definition = "ClientInfo",
      direction = Direction.SENT)
  public record ClientInfo(String name, String title, String version) {}

  @WireSchema(file = "v1/InitializeParams.json", definition = "InitializeCapabilities",
      direction = Direction.SENT)
  public record Capabilities(boolean experimentalApi, List<String> optOutNotificationMethods) {}

  @WireSchema(file = "v1/InitializeResponse.json", direction = Direction.RECEIVED)
  public record Result(String userAgent, String codexHome, String platformFamily,
      String platformOs) {}

  private Initialize() {}
}
