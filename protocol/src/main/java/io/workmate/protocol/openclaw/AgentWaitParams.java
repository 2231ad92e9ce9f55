package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** The params of {@code agent.wait}: block until the run ends or {@code timeoutMs} passes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentWaitParams(String runId, Long timeoutMs) {

  public AgentWaitParams {
    Objects.requireNonNull(runId, "runId");
  }
}
