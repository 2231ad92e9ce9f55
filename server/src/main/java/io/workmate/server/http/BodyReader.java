package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.workmate.server.http.Rules.Wording;
import java.lang.annotation.Annotation;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Reads a JSON request body into its record in one step: the JSON must be an object with only
 * the record's fields, each of its field's type and within its {@link Rules}; then Jackson binds
 * the record, and a {@link Rules.Checked} record checks what its rules cannot say. Every refusal
 * is an {@link ApiError} naming the field, worded as the record's {@link Rules.Wording} says.
 */
final class BodyReader {

  /**
   * Binds checked bodies. Presence is this class's check (and for {@link Wording#PLAIN} bodies
   * the actor's), so Jackson's own check of {@code required}, which would refuse in its own
   * words, is switched off here; the schema still reads the marker.
   */
  private static final ObjectMapper BINDER = Responses.JSON.copy()
      .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public Boolean hasRequiredMarker(AnnotatedMember member) {
          return null;
        }
      });

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
    JsonNode request = parseObject(body);
    Wording wording = wording(type);
    checkObject("", type, request, wording);
    T record;
    try {
      record = BINDER.treeToValue(request, type);
    } catch (JsonProcessingException e) {
      // the checks above let through only what binds; this is a bug, not bad input
      throw new IllegalStateException("a checked body did not bind to " + type.getSimpleName(),
          e);
    }
    if (record instanceof Rules.Checked checked) {
      checked.check();
    }
    return record;
  }

  /**
   * Checks an object against its record: only the record's fields, each within its rules.
   * {@code prefix} names a nested object's fields ({@code "workspace."}).
   */
  private static void checkObject(String prefix, Class<?> type, JsonNode object,
      Wording wording) {
    Map<String, RecordComponent> fields = fields(type);
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.containsKey(name)) {
        throw new ApiError(400, "unknown_field", "unknown field \"" + prefix + name
            + "\"; allowed: " + String.join(", ", wording == Wording.PLAIN ? fields.keySet()
                : new TreeSet<>(fields.keySet())));
      }
    }
    for (RecordComponent field : fields.values()) {
      check(prefix, field, object.get(field.getName()), wording);
    }
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

  // --- the one check -------------------------------------------------------------------------

  /** Whether a field holds an object of its own (a nested record). */
  static boolean isObject(RecordComponent field) {
    return field.getType().isRecord();
  }

  private static void check(String prefix, RecordComponent field, JsonNode value,
      Wording wording) {
    String name = prefix + field.getName();
    Refusals refuse = new Refusals(name, wording, rule(field, Rules.Refusal.class));
    if (value == null || (value.isNull() && !wording.nullIsWrong)) {
      if (required(field) && wording.checksValues) {
        throw refuse.missing();
      }
      return;
    }
    if (isObject(field)) {
      if (!value.isObject()) {
        throw refuse.type("an object", value);
      }
      checkObject(name + ".", field.getType(), value, wording);
    } else if (isList(field)) {
      checkList(field, value, refuse, wording);
    } else if (isInteger(field)) {
      checkInteger(field, value, refuse, wording);
    } else if (isBoolean(field)) {
      if (!value.isBoolean()) {
        throw refuse.type("true or false", value);
      }
    } else if (!value.isTextual()) {
      throw refuse.type("a string", value);
    } else if (wording.checksValues) {
      checkText(field, value.asText(), refuse);
    }
  }

  private static void checkText(RecordComponent field, String text, Refusals refuse) {
    if (rule(field, Rules.NotBlank.class) != null && text.isBlank()) {
      throw refuse.value("must not be empty");
    }
    Rules.Length length = rule(field, Rules.Length.class);
    if (length != null && (text.length() < length.min() || text.length() > length.max())) {
      throw refuse.value("must be " + length.min() + " to " + length.max() + " characters");
    }
    Rules.OneOf oneOf = rule(field, Rules.OneOf.class);
    if (oneOf != null && !allowed(oneOf).contains(text)) {
      throw refuse.value("must be one of " + String.join(", ", allowed(oneOf)) + ", not '"
          + text + "'");
    }
  }

  private static void checkInteger(RecordComponent field, JsonNode value, Refusals refuse,
      Wording wording) {
    boolean wide = field.getType() == Long.class || field.getType() == long.class;
    if (wording == Wording.PLAIN) {
      if (!value.isIntegralNumber() || !(wide ? value.canConvertToLong()
          : value.canConvertToInt())) {
        throw refuse.value("must be a whole number");
      }
      return;
    }
    if (!value.isNumber()) {
      throw refuse.type("an integer", value);
    }
    if (!value.isIntegralNumber()) {
      throw refuse.wrongNumber("must be a whole number, not " + value);
    }
    Rules.Range range = rule(field, Rules.Range.class);
    long min = range != null ? range.min() : wide ? Long.MIN_VALUE : Integer.MIN_VALUE;
    long max = range != null ? range.max() : wide ? Long.MAX_VALUE : Integer.MAX_VALUE;
    if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
      throw refuse.value("must be between " + min + " and " + max + ", not " + value);
    }
  }

  private static void checkList(RecordComponent field, JsonNode value, Refusals refuse,
      Wording wording) {
    if (!value.isArray()) {
      throw refuse.type("an array of strings", value);
    }
    Rules.MaxItems maxItems = rule(field, Rules.MaxItems.class);
    if (wording.checksValues && maxItems != null && value.size() > maxItems.value()) {
      throw refuse.value("may list at most " + maxItems.value());
    }
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw refuse.element(element);
      }
    }
  }

  /** The refusals of one field, in its body's words. */
  private record Refusals(String field, Wording wording, Rules.Refusal refusal) {

    private String quoted() {
      return "\"" + field + "\"";
    }

    private ApiError custom(String fallback) {
      String code = switch (wording) {
        case TYPED -> "invalid_value";
        case PLAIN -> "invalid";
        case REQUEST -> "invalid_request";
      };
      return new ApiError(400, code, refusal != null ? refusal.value() : fallback);
    }

    ApiError missing() {
      return wording == Wording.TYPED
          ? new ApiError(400, "missing_field", quoted() + " is required")
          : custom(quoted() + " is required");
    }

    /** {@code expected}: "a string", "an integer", "an array of strings", "true or false". */
    ApiError type(String expected, JsonNode sent) {
      return wording == Wording.TYPED
          ? new ApiError(400, "invalid_type", quoted() + " must be " + expected + ", not "
              + describe(sent))
          : custom(quoted() + " must be " + expected);
    }

    ApiError wrongNumber(String rule) {
      return wording == Wording.TYPED ? new ApiError(400, "invalid_type", quoted() + " " + rule)
          : custom(quoted() + " " + rule);
    }

    ApiError element(JsonNode element) {
      return wording == Wording.TYPED
          ? new ApiError(400, "invalid_type", quoted() + " must be an array of strings, "
              + "but holds " + describe(element))
          : custom(quoted() + " must be an array of strings, not contain " + element);
    }

    /** A rule the value breaks, in the wording's code ({@code invalid_value} when typed). */
    ApiError value(String rule) {
      return custom(quoted() + " " + rule);
    }
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
