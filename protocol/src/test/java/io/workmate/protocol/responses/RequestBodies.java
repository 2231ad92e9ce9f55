package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds request bodies shaped like codex's {@code POST /v1/responses}: developer instructions and
 * an injected environment context first, then the conversation.
 */
final class RequestBodies {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode body = JSON.createObjectNode();
  private final ArrayNode input;

  private RequestBodies() {
    body.put("model", "gpt-5.5").put("stream", true).put("tool_choice", "auto");
    body.put("store", false);
    input = body.putArray("input");
    message("developer", "input_text", "You are Codex, a coding agent.");
    message(
        "user",
        "input_text",
        "<environment_context>\n  <cwd>/tmp/ws</cwd>\n  <shell>bash</shell>\n</environment_context>");
  }

  /** A codex-like body that starts a conversation. */
  static RequestBodies conversation() {
    return new RequestBodies();
  }

  /** The common case: one prompt in a fresh thread, serialized. */
  static String prompt(String text) {
    return conversation().user(text).json();
  }

  RequestBodies user(String text) {
    return message("user", "input_text", text);
  }

  RequestBodies assistant(String text) {
    return message("assistant", "output_text", text);
  }

  RequestBodies functionCall(String callId, String cmd) {
    ObjectNode item = input.addObject().put("type", "function_call").put("call_id", callId);
    item.put("name", "exec_command").put("arguments", "{\"cmd\":\"" + cmd + "\"}");
    return this;
  }

  RequestBodies functionCallOutput(String callId, String output) {
    input.addObject().put("type", "function_call_output").put("call_id", callId)
        .put("output", output);
    return this;
  }

  RequestBodies customToolCall(String callId, String patch) {
    input.addObject().put("type", "custom_tool_call").put("call_id", callId)
        .put("name", "apply_patch").put("input", patch);
    return this;
  }

  RequestBodies customToolCallOutput(String callId, String output) {
    input.addObject().put("type", "custom_tool_call_output").put("call_id", callId)
        .put("output", output);
    return this;
  }

  ObjectNode node() {
    return body;
  }

  String json() {
    return body.toString();
  }

  private RequestBodies message(String role, String partType, String text) {
    ObjectNode message = input.addObject().put("type", "message").put("role", role);
    message.putArray("content").addObject().put("type", partType).put("text", text);
    return this;
  }
}
