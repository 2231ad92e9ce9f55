package io.workmate.protocol.codex;

import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/** {@code model/list}: codex's model catalog. */
public final class ModelList {

  @WireSchema(file = "v2/ModelListParams.json", direction = Direction.SENT)
  public record Params(Integer limit, String cursor) {}

  @WireSchema(file = "v2/ModelListResponse.json", direction = Direction.RECEIVED)
  public record Result(List<Model> data, String nextCursor) {}

  @WireSchema(file = "v2/ModelListResponse.json", definition = "Model",
      direction = Direction.RECEIVED)
  public record Model(String id, String model, String displayName, String description,
      boolean isDefault, boolean hidden) {}

  private ModelList() {}
}
