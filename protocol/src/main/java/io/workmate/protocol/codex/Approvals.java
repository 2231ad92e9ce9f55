package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.util.List;

/**
 * The approval requests codex sends (server-to-client JSON-RPC requests) and the answers to them.
 * The v2 requests carry {@code threadId}/{@code turnId}; the legacy v1 ones only a
 * {@code conversationId}, which is the thread id.
 */
public final class Approvals {

  /** The params of one approval request, read by {@link CodexRequest#decode}. */
  public sealed interface Request permits CommandParams, FileChangeParams, LegacyExecParams,
      LegacyPatchParams, Unsupported {

    /** The thread that must answer; null when the request names none. */
    String threadId();

    /** The legacy v1 requests take their answers in the legacy vocabulary. */
    default boolean legacy() {
      return false;
    }
  }

  /** A request Workmate does not handle, read only for the thread it names. */
  public record Unsupported(String threadId, String conversationId) implements Request {
    @Override
    public String threadId() {
      return threadId != null ? threadId : conversationId;
    }
  }

  @WireSchema(file = "CommandExecutionRequestApprovalParams.json", direction = Direction.RECEIVED)
  public record CommandParams(String threadId, String turnId, String itemId, String approvalId,
      String command, String cwd, String reason) implements Request {}

  @WireSchema(file = "FileChangeRequestApprovalParams.json", direction = Direction.RECEIVED)
  public record FileChangeParams(String threadId, String turnId, String itemId, String reason,
      String grantRoot) implements Request {}

  @WireSchema(file = "ExecCommandApprovalParams.json", direction = Direction.RECEIVED)
  public record LegacyExecParams(String conversationId, String callId, String approvalId,
      List<String> command, String cwd, String reason) implements Request {
    @Override
    public String threadId() {
      return conversationId;
    }

    @Override
    public boolean legacy() {
      return true;
    }
  }

  @WireSchema(file = "ApplyPatchApprovalParams.json", direction = Direction.RECEIVED)
  public record LegacyPatchParams(String conversationId, String callId, JsonNode fileChanges,
      String reason, String grantRoot) implements Request {
    @Override
    public String threadId() {
      return conversationId;
    }

    @Override
    public boolean legacy() {
      return true;
    }
  }

  /** Answer to both v2 approval requests; {@code decision} is an {@link ApprovalDecision}. */
  @WireSchema(file = "CommandExecutionRequestApprovalResponse.json", direction = Direction.SENT)
  public record Response(ApprovalDecision decision) {}

  /** Answer to the legacy requests, whose decisions have other names ({@code ReviewDecision}). */
  @WireSchema(file = "ExecCommandApprovalResponse.json", direction = Direction.SENT)
  public record LegacyResponse(JsonNode decision) {}

  private Approvals() {}
}
