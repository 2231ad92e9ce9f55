package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** The first answer to {@code agent}: the run is queued under {@code runId}. */
public record AgentAccepted(String runId, String status, Long acceptedAt) implements AgentReply {

  public static final String STATUS = "accepted";

  @Override
  @JsonIgnore
  public boolean isFinal() {
    return false;
  }
}
