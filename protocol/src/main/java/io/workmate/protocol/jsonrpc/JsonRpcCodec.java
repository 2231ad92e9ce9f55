package io.workmate.protocol.jsonrpc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.protocol.Excerpts;

/**
 * Line-delimited JSON-RPC as the Codex app-server speaks it: one JSON object per line, no
 * {@code jsonrpc} member (codex never sends one, and we don't either), lenient about unknown
 * fields because codex sends more than its stable schema lists. Thread-safe.
 */
public final class JsonRpcCodec {

  private static final int MAX_ECHOED_CHARS = 120;

  /**
   * Jackson learns each type once per mapper (its properties, creators, annotations), which costs
   * milliseconds a type: actors made per thread or turn share this one rather than make their own.
   */
  private static final JsonRpcCodec SHARED = new JsonRpcCodec();

  private final ObjectMapper mapper;

  /** The codec to share (thread-safe, as its mapper is once configured). */
  public static JsonRpcCodec shared() {
    return SHARED;
  }

  public JsonRpcCodec() {
    this(defaultMapper());
  }

  public JsonRpcCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The mapper used for protocol records: unknown fields ignored, nulls not written. */
  public static ObjectMapper defaultMapper() {
    return JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        // a status codex adds later reads as the enum's @JsonEnumDefaultValue, not an error
        .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .build();
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  /** Decides the message kind from its shape; never throws anything but the checked exception. */
  public JsonRpcMessage decode(String line) throws MalformedMessageException {
    JsonNode node;
    try {
      node = mapper.readTree(line);
    } catch (JsonProcessingException e) {
      throw new MalformedMessageException("not JSON: " + excerpt(line), e);
    }
    if (node == null || !node.isObject()) {
      throw new MalformedMessageException("not a JSON object: " + excerpt(line));
    }
    return decode((ObjectNode) node, line);
  }

  private JsonRpcMessage decode(ObjectNode node, String line) throws MalformedMessageException {
    JsonNode id = nonNull(node.get("id"));
    JsonNode method = node.get("method");
    if (method != null) {
      if (!method.isTextual()) {
        throw new MalformedMessageException("method is not a string: " + excerpt(line));
      }
      JsonNode params = nonNull(node.get("params"));
      if (id != null) {
        requireValidId(id, line);
        return new JsonRpcMessage.Request(id, method.asText(), params);
      }
      JsonNode emitted = node.get("emittedAtMs");
      Long emittedAtMs = emitted != null && emitted.isNumber() ? emitted.asLong() : null;
      return new JsonRpcMessage.Notification(method.asText(), params, emittedAtMs);
    }
    if (node.has("error")) {
      return new JsonRpcMessage.ErrorResponse(id, toError(node.get("error")));
    }
    if (node.has("result")) {
      if (id == null) {
        throw new MalformedMessageException("response without id: " + excerpt(line));
      }
      requireValidId(id, line);
      return new JsonRpcMessage.Response(id, node.get("result"));
    }
    throw new MalformedMessageException(
        "neither request, notification nor response: " + excerpt(line));
  }

  private RpcError toError(JsonNode error) {
    if (error == null || !error.isObject()) {
      return new RpcError(RpcError.INTERNAL_ERROR, String.valueOf(error));
    }
    int code = error.path("code").asInt(RpcError.INTERNAL_ERROR);
    String message = error.path("message").asText("(no message)");
    return new RpcError(code, message, nonNull(error.get("data")));
  }

  private static void requireValidId(JsonNode id, String line) throws MalformedMessageException {
    if (!id.isIntegralNumber() && !id.isTextual()) {
      throw new MalformedMessageException("id is neither integer nor string: " + excerpt(line));
    }
  }

  /** One line, without the trailing newline. */
  public String encode(JsonRpcMessage message) {
    ObjectNode node = mapper.createObjectNode();
    if (message instanceof JsonRpcMessage.Request r) {
      node.set("id", r.id());
      node.put("method", r.method());
      putIfPresent(node, "params", r.params());
    } else if (message instanceof JsonRpcMessage.Notification n) {
      node.put("method", n.method());
      putIfPresent(node, "params", n.params());
    } else if (message instanceof JsonRpcMessage.Response r) {
      node.set("id", r.id());
      node.set("result", r.result() == null ? mapper.createObjectNode() : r.result());
    } else if (message instanceof JsonRpcMessage.ErrorResponse e) {
      node.set("id", e.id());
      node.set("error", mapper.valueToTree(e.error()));
    }
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /** Converts protocol records (or maps) to a tree for {@code params}/{@code result}. */
  public JsonNode toTree(Object value) {
    return value == null ? null : mapper.valueToTree(value);
  }

  /** Reads a tree into a protocol record; a shape mismatch is a protocol error, not a crash. */
  public <T> T fromTree(JsonNode node, Class<T> type) throws MalformedMessageException {
    try {
      return mapper.treeToValue(node == null ? mapper.createObjectNode() : node, type);
    } catch (JsonProcessingException e) {
      throw new MalformedMessageException(
          "cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new MalformedMessageException(
          "cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private static void putIfPresent(ObjectNode node, String field, JsonNode value) {
    if (value != null) {
      node.set(field, value);
    }
  }

  private static JsonNode nonNull(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  /** One line of at most {@value #MAX_ECHOED_CHARS} characters, for error messages. */
  static String excerpt(String line) {
    return Excerpts.of(line, MAX_ECHOED_CHARS);
  }
}
