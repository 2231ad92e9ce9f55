package io.workmate.protocol.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import java.util.Map;

/**
 * A request from the app-server to Workmate (an approval), decoded once where it is read off the
 * pipe.
 *
 * @param id what the answer must carry
 * @param body the typed params; {@link Approvals.Unsupported} for a method Workmate does not
 *     handle (or params it cannot read), which is answered with an error
 */
public record CodexRequest(JsonNode id, String method, Approvals.Request body) {

  private static final Map<String, Class<? extends Approvals.Request>> BODIES = Map.of(
      CodexMethods.COMMAND_APPROVAL, Approvals.CommandParams.class,
      CodexMethods.FILE_CHANGE_APPROVAL, Approvals.FileChangeParams.class,
      CodexMethods.LEGACY_EXEC_APPROVAL, Approvals.LegacyExecParams.class,
      CodexMethods.LEGACY_PATCH_APPROVAL, Approvals.LegacyPatchParams.class);

  /** The thread that must answer; null when it names none. */
  public String threadId() {
    return body.threadId();
  }

  public boolean supported() {
    return !(body instanceof Approvals.Unsupported);
  }

  public static CodexRequest decode(JsonRpcMessage.Request request, JsonRpcCodec codec) {
    Class<? extends Approvals.Request> type =
        BODIES.getOrDefault(request.method(), Approvals.Unsupported.class);
    return new CodexRequest(request.id(), request.method(), read(codec, request.params(), type));
  }

  private static Approvals.Request read(JsonRpcCodec codec, JsonNode params,
      Class<? extends Approvals.Request> type) {
    try {
      return codec.fromTree(params, type);
    } catch (MalformedMessageException e) {
      if (type == Approvals.Unsupported.class) {
        return new Approvals.Unsupported(null, null);
      }
      return read(codec, params, Approvals.Unsupported.class);
    }
  }
}
