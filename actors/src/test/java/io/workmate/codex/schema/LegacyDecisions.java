package io.workmate.codex.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a value against codex's v1 {@code ReviewDecision}: a serde enum that is either a plain
 * string ({@code "approved"}) or an object with one key naming the variant
 * ({@code {"denied": {"rejection": "..."}}}).
 */
final class LegacyDecisions {

  private LegacyDecisions() {}

  /** What is wrong with the value, or empty if codex accepts it. */
  static Optional<String> problem(JsonNode fileRoot, JsonNode reviewDecision, JsonNode value) {
    if (value.isTextual()) {
      Set<String> strings = GeneratedSchema.stringValues(fileRoot, reviewDecision);
      return strings.contains(value.asText())
          ? Optional.empty()
          : Optional.of(value + " is not one of " + new TreeSet<>(strings));
    }
    if (value.isObject() && value.size() == 1) {
      return objectVariantProblem(fileRoot, reviewDecision, value);
    }
    return Optional.of(value + " is neither a string nor an object with one key");
  }

  private static Optional<String> objectVariantProblem(
      JsonNode fileRoot, JsonNode reviewDecision, JsonNode value) {
    String key = value.fieldNames().next();
    List<String> keys = new ArrayList<>();
    for (JsonNode variant : GeneratedSchema.variants(reviewDecision)) {
      JsonNode properties = GeneratedSchema.deref(fileRoot, variant).path("properties");
      if (properties.has(key)) {
        return missingRequired(fileRoot, properties.get(key), value.get(key), key);
      }
      properties.fieldNames().forEachRemaining(keys::add);
    }
    return Optional.of("'" + key + "' is not the key of any object variant; keys are " + keys);
  }

  private static Optional<String> missingRequired(
      JsonNode fileRoot, JsonNode variantBody, JsonNode body, String key) {
    for (JsonNode required : GeneratedSchema.deref(fileRoot, variantBody).path("required")) {
      if (!body.has(required.asText())) {
        return Optional.of("'" + key + "' lacks required '" + required.asText() + "'");
      }
    }
    return Optional.empty();
  }
}
