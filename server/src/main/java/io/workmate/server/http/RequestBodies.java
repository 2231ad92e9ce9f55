package io.workmate.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;

/** Reading JSON bodies field by field, so every refusal names the field and what is wrong. */
final class RequestBodies {

  private RequestBodies() {}

  static JsonNode parseObject(String body) {
    JsonNode node;
    try {
      node = Responses.JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "malformed_json", "the body is not valid JSON: "
          + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new ApiError(400, "malformed_json", "the body must be a JSON object");
    }
    return node;
  }

  static void allowOnly(JsonNode request, Set<String> fields) {
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new ApiError(400, "unknown_field", "unknown field \"" + name + "\"; allowed: "
            + String.join(", ", new java.util.TreeSet<>(fields)));
      }
    }
  }

  /** The field, or null when absent or JSON null. */
  static JsonNode optional(JsonNode request, String field) {
    JsonNode value = request.get(field);
    return value == null || value.isNull() ? null : value;
  }

  static String requiredText(JsonNode request, String field) {
    JsonNode value = optional(request, field);
    if (value == null) {
      throw new ApiError(400, "missing_field", "\"" + field + "\" is required");
    }
    return text(field, value);
  }

  static String text(String field, JsonNode value) {
    if (!value.isTextual()) {
      throw new ApiError(400, "invalid_type", "\"" + field + "\" must be a string, not "
          + describe(value));
    }
    return value.asText();
  }

  /** An integer within {@code min..max}; a fraction or another type is refused. */
  static int integer(String field, JsonNode value, long min, long max) {
    if (!value.isNumber()) {
      throw new ApiError(400, "invalid_type", "\"" + field + "\" must be an integer, not "
          + describe(value));
    }
    if (!value.isIntegralNumber()) {
      throw new ApiError(400, "invalid_type", "\"" + field + "\" must be a whole number, not "
          + value);
    }
    if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
      throw new ApiError(400, "invalid_value", "\"" + field + "\" must be between " + min
          + " and " + max + ", not " + value);
    }
    return (int) value.asLong();
  }

  static String describe(JsonNode value) {
    return switch (value.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case BOOLEAN -> "a boolean";
      case NUMBER -> "a number";
      case STRING -> "a string";
      default -> value.getNodeType().name().toLowerCase();
    };
  }
}
