package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds the JSON payloads of the Responses-API stream events for one response. Every payload has
 * a {@code type} field, which is also the SSE {@code event:} name. The shapes are the ones codex
 * 0.169.0 accepted in the probes (codex-app-server.md §4): a message only counts once it arrives
 * in {@code response.output_item.done}, and a stream only succeeds with {@code
 * response.completed}.
 */
final class ResponseEvents {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long sequence;
  private final String model;

  /**
   * @param sequence the provider-wide response number; every id of this response embeds it
   * @param model the model the request asked for, echoed back (may be null)
   */
  ResponseEvents(long sequence, String model) {
    this.sequence = sequence;
    this.model = model;
  }

  String responseId() {
    return "resp_" + sequence;
  }

  String messageId() {
    return "msg_" + sequence;
  }

  String callId() {
    return "call_" + sequence;
  }

  ObjectNode created() {
    ObjectNode event = event("response.created");
    event.set("response", response("in_progress"));
    return event;
  }

  ObjectNode messageAdded() {
    ObjectNode event = outputItemEvent("response.output_item.added");
    ObjectNode item = message("in_progress");
    item.putArray("content");
    event.set("item", item);
    return event;
  }

  ObjectNode textDelta(String delta) {
    ObjectNode event = event("response.output_text.delta");
    event.put("item_id", messageId()).put("output_index", 0).put("content_index", 0);
    event.put("delta", delta);
    return event;
  }

  ObjectNode messageDone(String text) {
    ObjectNode event = outputItemEvent("response.output_item.done");
    ObjectNode item = message("completed");
    ObjectNode part = item.putArray("content").addObject();
    part.put("type", "output_text").put("text", text);
    part.putArray("annotations");
    event.set("item", item);
    return event;
  }

  /** Codex's shell tool is a function tool whose arguments are a JSON-encoded string. */
  ObjectNode execCommandDone(String cmd) {
    ObjectNode arguments = JSON.createObjectNode().put("cmd", cmd).put("yield_time_ms", 2000);
    ObjectNode item = JSON.createObjectNode();
    item.put("type", "function_call").put("id", "fc_" + sequence).put("call_id", callId());
    item.put("name", "exec_command").put("arguments", arguments.toString());
    item.put("status", "completed");
    return outputItemEvent("response.output_item.done").set("item", item);
  }

  /** apply_patch is a freeform custom tool: its input is the raw patch text, not JSON. */
  ObjectNode applyPatchDone(String patch) {
    ObjectNode item = JSON.createObjectNode();
    item.put("type", "custom_tool_call").put("id", "ctc_" + sequence).put("call_id", callId());
    item.put("name", "apply_patch").put("input", patch).put("status", "completed");
    return outputItemEvent("response.output_item.done").set("item", item);
  }

  ObjectNode completed(long inputTokens, long outputTokens) {
    ObjectNode response = response("completed");
    ObjectNode usage = response.putObject("usage");
    usage.put("input_tokens", inputTokens);
    usage.putObject("input_tokens_details").put("cached_tokens", 0);
    usage.put("output_tokens", outputTokens);
    usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
    usage.put("total_tokens", inputTokens + outputTokens);
    ObjectNode event = event("response.completed");
    event.set("response", response);
    return event;
  }

  ObjectNode failed(String message) {
    ObjectNode response = response("failed");
    response.putObject("error").put("code", "server_error").put("message", message);
    ObjectNode event = event("response.failed");
    event.set("response", response);
    return event;
  }

  /** OpenAI's error envelope for plain HTTP errors: {@code {"error":{message,type,code}}}. */
  static ObjectNode errorBody(int status, String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message).put("type", errorType(status)).put("code", errorCode(status));
    return body;
  }

  /** A rough token count (about four characters per token), enough for codex's usage display. */
  static long estimateTokens(long characters) {
    return (characters + 3) / 4;
  }

  private static String errorType(int status) {
    if (status == 429) {
      return "rate_limit_error";
    }
    return status >= 500 ? "server_error" : "invalid_request_error";
  }

  private static String errorCode(int status) {
    switch (status) {
      case 401:
        return "invalid_api_key";
      case 404:
        return "not_found";
      case 405:
        return "method_not_allowed";
      case 429:
        return "rate_limit_exceeded";
      default:
        return status >= 500 ? "server_error" : "invalid_request";
    }
  }

  private ObjectNode response(String status) {
    ObjectNode response = JSON.createObjectNode();
    response.put("id", responseId()).put("object", "response").put("status", status);
    if (model != null) {
      response.put("model", model);
    }
    return response;
  }

  private ObjectNode message(String status) {
    ObjectNode item = JSON.createObjectNode();
    item.put("type", "message").put("id", messageId()).put("role", "assistant");
    item.put("status", status);
    return item;
  }

  private static ObjectNode outputItemEvent(String type) {
    return event(type).put("output_index", 0);
  }

  private static ObjectNode event(String type) {
    return JSON.createObjectNode().put("type", type);
  }
}
