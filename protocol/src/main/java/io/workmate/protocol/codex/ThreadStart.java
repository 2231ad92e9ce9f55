package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.Map;

/** {@code thread/start} and {@code thread/resume}: both answer with the thread and its settings. */
public final class ThreadStart {

  /** Null fields take codex's defaults from config.toml. */
  @WireSchema(file = "v2/ThreadStartParams.json", direction = Direction.SENT)
  public record Params(String model, String cwd, ApprovalPolicy approvalPolicy,
      SandboxMode sandbox, Map<String, Object> config, String developerInstructions,
      Boolean ephemeral) {}

  /** {@code excludeTurns}: full-history hydration is deprecated; we only need the thread back. */
  @WireSchema(file = "v2/ThreadResumeParams.json", direction = Direction.SENT)
  public record ResumeParams(String threadId, String model, String cwd,
      ApprovalPolicy approvalPolicy, SandboxMode sandbox, Boolean excludeTurns) {}

  @WireSchema(file = "v2/ThreadStartResponse.json", direction = Direction.RECEIVED)
  public record Result(ThreadInfo thread, String model, String modelProvider, String cwd,
      JsonNode approvalPolicy, JsonNode sandbox) {}

  @WireSchema(file = "v2/ThreadResumeResponse.json", direction = Direction.RECEIVED)
  public record ResumeResult(ThreadInfo thread, String model, String modelProvider, String cwd,
      JsonNode approvalPolicy, JsonNode sandbox) {}

  private ThreadStart() {}
}
