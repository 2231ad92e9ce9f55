package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.server.http.Rules.Wording;
import java.lang.annotation.Annotation;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Reads a JSON request body into its record in one step: the JSON must be an object with only
 * the record's fields, each of its field's type and within its {@link Rules}; {@link
 * RecordBinder} checks them and builds the record in the same pass, and a {@link Rules.Checked}
 * record checks what its rules cannot say. Every refusal is an {@link ApiError} naming the
 * field, worded as the record's {@link Rules.Wording} says. The static helpers read the rules
 * for the binder and for {@link OpenApi}.
 */
final class BodyReader {

  private BodyReader() {}

  /** The body as {@code type}; a refusal fails the unmarshalling with the {@link ApiError}. */
  static <T extends Record> Unmarshaller<HttpEntity, T> unmarshaller(Class<T> type) {
    return Unmarshaller.entityToString().thenApply(body -> read(body, type));
  }

  /** As {@link #unmarshaller(Class)}, but an empty body is a record of absent fields. */
  static <T extends Record> Unmarshaller<HttpEntity, T> optionalUnmarshaller(Class<T> type) {
    return Unmarshaller.entityToString().thenApply(body ->
        read(body.isBlank() ? "{}" : body, type));
  }

  static <T extends Record> T read(String body, Class<T> type) {
    T record = type.cast(RecordBinder.of(type).bind("", parseObject(body), wording(type)));
    if (record instanceof Rules.Checked checked) {
      checked.check();
    }
    return record;
  }

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

  static Wording wording(Class<?> type) {
    Rules.Worded worded = type.getAnnotation(Rules.Worded.class);
    return worded == null ? Wording.TYPED : worded.value();
  }

  /**
   * The record's fields by JSON name, in declaration order. Read once per class: every call of
   * {@code getRecordComponents} makes new components whose annotations Java parses again, which
   * cost more than the rest of a request (measured with JFR under the jobs bench).
   */
  static Map<String, RecordComponent> fields(Class<?> type) {
    return FIELDS.get(type);
  }

  private static final ClassValue<Map<String, RecordComponent>> FIELDS = new ClassValue<>() {
    @Override
    protected Map<String, RecordComponent> computeValue(Class<?> type) {
      Map<String, RecordComponent> fields = new LinkedHashMap<>();
      for (RecordComponent component : type.getRecordComponents()) {
        fields.put(component.getName(), component);
      }
      return Collections.unmodifiableMap(fields);
    }
  };

  static boolean required(RecordComponent field) {
    JsonProperty property = rule(field, JsonProperty.class);
    return property != null && property.required();
  }

  /** A rule on the field, whether Java put the annotation on the component or its accessor. */
  static <A extends Annotation> A rule(RecordComponent field, Class<A> rule) {
    A onComponent = field.getAnnotation(rule);
    return onComponent != null ? onComponent : field.getAccessor().getAnnotation(rule);
  }

  /** The values a {@link Rules.OneOf} allows, in the order its refusal lists them. */
  static List<String> allowed(Rules.OneOf oneOf) {
    if (oneOf.values().length > 0) {
      return List.of(oneOf.values());
    }
    return Arrays.stream(oneOf.wireOf().getEnumConstants())
        .map(value -> Responses.JSON.convertValue(value, String.class)).sorted().toList();
  }

  /** Whether a field holds a list of strings (else text, a number or a boolean). */
  static boolean isList(RecordComponent field) {
    return List.class.isAssignableFrom(field.getType());
  }

  static boolean isInteger(RecordComponent field) {
    Class<?> type = field.getType();
    return type == Integer.class || type == int.class || type == Long.class
        || type == long.class;
  }

  static boolean isBoolean(RecordComponent field) {
    return field.getType() == Boolean.class || field.getType() == boolean.class;
  }

  /** Whether a field holds an object of its own (a nested record). */
  static boolean isObject(RecordComponent field) {
    return field.getType().isRecord();
  }
}
