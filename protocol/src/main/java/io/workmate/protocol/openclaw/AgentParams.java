package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * The params of {@code agent}: one run of an agent on a session. {@code idempotencyKey} is
 * required; re-sending a key returns the cached outcome instead of starting a second run. A new
 * {@code sessionKey} (e.g. {@code agent:main:task-7}) creates the session. The schema is closed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentParams(String message, String agentId, String sessionKey,
    String idempotencyKey, String extraSystemPrompt, String promptMode, Boolean modelRun) {

  /** With {@code modelRun}: a bare model call without the agent's prompt, tools or events. */
  public static final String PROMPT_MODE_NONE = "none";

  public AgentParams {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  public static AgentParams run(String message, String agentId, String sessionKey,
      String idempotencyKey) {
    return new AgentParams(message, agentId, sessionKey, idempotencyKey, null, null, null);
  }

  /** {@code promptMode:"none"} needs {@code modelRun:true}; alone it is INVALID_REQUEST. */
  public static AgentParams modelCall(String message, String idempotencyKey) {
    return new AgentParams(message, null, null, idempotencyKey, null, PROMPT_MODE_NONE, true);
  }

  public AgentParams withExtraSystemPrompt(String extraSystemPrompt) {
    return new AgentParams(message, agentId, sessionKey, idempotencyKey, extraSystemPrompt,
        promptMode, modelRun);
  }
}
