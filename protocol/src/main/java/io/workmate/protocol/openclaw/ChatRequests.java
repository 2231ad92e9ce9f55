package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** {@code chat.send} and {@code chat.abort}: a turn on a session, progress via chat events. */
public final class ChatRequests {

  /** The returned {@code runId} equals the {@code idempotencyKey}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SendParams(String sessionKey, String message, String idempotencyKey) {
    public SendParams {
      Objects.requireNonNull(sessionKey, "sessionKey");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    }
  }

  /** {@code status} is "started" for a new run, or a cached outcome for a re-sent key. */
  public record SendAck(String runId, String status) {}

  /** Without {@code runId} every run of the session is aborted. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AbortParams(String sessionKey, String runId) {
    public AbortParams {
      Objects.requireNonNull(sessionKey, "sessionKey");
    }
  }

  private ChatRequests() {}
}
