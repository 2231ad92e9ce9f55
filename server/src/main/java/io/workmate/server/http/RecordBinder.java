package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.server.http.Rules.Wording;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A request record's rules, read once per class, and the one pass that checks a JSON object
 * against them and builds the record from the values it checked. Every refusal is an
 * {@link ApiError} naming the field, worded as the body's {@link Wording} says.
 *
 * <p>Why not Jackson's binding after the check: it walked the tree a second time and looked the
 * rules up again on every request; under load that was a tenth of a node's CPU (JFR, the
 * cluster bench). The check already proves each value's type, so building needs no second
 * opinion.
 */
final class RecordBinder {

  private static final ClassValue<RecordBinder> BY_TYPE = new ClassValue<>() {
    @Override
    protected RecordBinder computeValue(Class<?> type) {
      return new RecordBinder(type);
    }
  };

  private final Class<?> type;
  private final List<Field> fields;
  private final String allowedPlain;
  private final String allowedSorted;
  private final MethodHandle constructor;

  private RecordBinder(Class<?> type) {
    this.type = type;
    Map<String, RecordComponent> components = BodyReader.fields(type);
    List<Field> plans = new ArrayList<>();
    for (RecordComponent component : components.values()) {
      plans.add(new Field(component));
    }
    this.fields = List.copyOf(plans);
    this.allowedPlain = String.join(", ", components.keySet());
    this.allowedSorted = String.join(", ", new TreeSet<>(components.keySet()));
    Class<?>[] parameters = components.values().stream().map(RecordComponent::getType)
        .toArray(Class<?>[]::new);
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
      this.constructor = lookup.findConstructor(type,
              MethodType.methodType(void.class, parameters))
          .asSpreader(Object[].class, parameters.length);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("no canonical constructor on " + type.getName(), e);
    }
  }

  /** The binder of the record {@code type}. */
  static RecordBinder of(Class<?> type) {
    return BY_TYPE.get(type);
  }

  /**
   * Checks {@code object} against the record's rules and builds the record. {@code prefix}
   * names a nested object's fields ({@code "workspace."}).
   */
  Object bind(String prefix, JsonNode object, Wording wording) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!has(name)) {
        throw new ApiError(400, "unknown_field", "unknown field \"" + prefix + name
            + "\"; allowed: " + (wording == Wording.PLAIN ? allowedPlain : allowedSorted));
      }
    }
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      Field field = fields.get(i);
      values[i] = field.value(prefix, object.get(field.name), wording);
    }
    try {
      return constructor.invoke(values);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("could not build " + type.getSimpleName(), e);
    }
  }

  private boolean has(String name) {
    for (Field field : fields) {
      if (field.name.equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** What a field holds on the wire. */
  private enum Kind { TEXT, INTEGER, LONG, BOOLEAN, LIST, OBJECT }

  /** One field's rules, read from its annotations once. */
  private static final class Field {
    final String name;
    final Kind kind;
    final boolean required;
    final Object absent;
    final Rules.Refusal refusal;
    final boolean notBlank;
    final Rules.Length length;
    final List<String> allowed;
    final Rules.Range range;
    final Rules.MaxItems maxItems;
    final Class<?> nested;

    Field(RecordComponent component) {
      this.name = component.getName();
      this.kind = kindOf(component);
      this.required = BodyReader.required(component);
      Class<?> type = component.getType();
      this.absent = type == int.class ? (Object) 0 : type == long.class ? (Object) 0L
          : type == boolean.class ? (Object) false : null;
      this.refusal = BodyReader.rule(component, Rules.Refusal.class);
      this.notBlank = BodyReader.rule(component, Rules.NotBlank.class) != null;
      this.length = BodyReader.rule(component, Rules.Length.class);
      Rules.OneOf oneOf = BodyReader.rule(component, Rules.OneOf.class);
      this.allowed = oneOf == null ? null : BodyReader.allowed(oneOf);
      this.range = BodyReader.rule(component, Rules.Range.class);
      this.maxItems = BodyReader.rule(component, Rules.MaxItems.class);
      this.nested = kind == Kind.OBJECT ? type : null;
    }

    private static Kind kindOf(RecordComponent component) {
      Class<?> type = component.getType();
      if (BodyReader.isObject(component)) {
        return Kind.OBJECT;
      } else if (BodyReader.isList(component)) {
        return Kind.LIST;
      } else if (type == Long.class || type == long.class) {
        return Kind.LONG;
      } else if (BodyReader.isInteger(component)) {
        return Kind.INTEGER;
      } else if (BodyReader.isBoolean(component)) {
        return Kind.BOOLEAN;
      } else if (type == String.class) {
        return Kind.TEXT;
      }
      throw new IllegalStateException("a request body field must be text, a number, a boolean,"
          + " a list of strings or a record: " + component);
    }

    /** The checked value of this field in {@code value}, as the record's component takes it. */
    Object value(String prefix, JsonNode value, Wording wording) {
      String field = prefix + name;
      if (value == null || (value.isNull() && !wording.nullIsWrong)) {
        if (required && wording.checksValues) {
          throw refusals(field, wording).missing();
        }
        return absent;
      }
      return switch (kind) {
        case OBJECT -> {
          if (!value.isObject()) {
            throw refusals(field, wording).type("an object", value);
          }
          yield RecordBinder.of(nested).bind(field + ".", value, wording);
        }
        case LIST -> list(field, value, wording);
        case INTEGER, LONG -> integer(field, value, wording);
        case BOOLEAN -> {
          if (!value.isBoolean()) {
            throw refusals(field, wording).type("true or false", value);
          }
          yield value.booleanValue();
        }
        case TEXT -> {
          if (!value.isTextual()) {
            throw refusals(field, wording).type("a string", value);
          }
          String text = value.textValue();
          if (wording.checksValues) {
            checkText(field, text, wording);
          }
          yield text;
        }
      };
    }

    private void checkText(String field, String text, Wording wording) {
      if (notBlank && text.isBlank()) {
        throw refusals(field, wording).value("must not be empty");
      }
      if (length != null && (text.length() < length.min() || text.length() > length.max())) {
        throw refusals(field, wording).value("must be " + length.min() + " to " + length.max()
            + " characters");
      }
      if (allowed != null && !allowed.contains(text)) {
        throw refusals(field, wording).value("must be one of " + String.join(", ", allowed)
            + ", not '" + text + "'");
      }
    }

    private Object integer(String field, JsonNode value, Wording wording) {
      boolean wide = kind == Kind.LONG;
      if (wording == Wording.PLAIN) {
        if (!value.isIntegralNumber() || !(wide ? value.canConvertToLong()
            : value.canConvertToInt())) {
          throw refusals(field, wording).value("must be a whole number");
        }
      } else {
        if (!value.isNumber()) {
          throw refusals(field, wording).type("an integer", value);
        }
        if (!value.isIntegralNumber()) {
          throw refusals(field, wording).wrongNumber("must be a whole number, not " + value);
        }
        long min = range != null ? range.min() : wide ? Long.MIN_VALUE : Integer.MIN_VALUE;
        long max = range != null ? range.max() : wide ? Long.MAX_VALUE : Integer.MAX_VALUE;
        if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
          throw refusals(field, wording).value("must be between " + min + " and " + max
              + ", not " + value);
        }
      }
      return wide ? (Object) value.longValue() : (Object) value.intValue();
    }

    private List<String> list(String field, JsonNode value, Wording wording) {
      if (!value.isArray()) {
        throw refusals(field, wording).type("an array of strings", value);
      }
      if (wording.checksValues && maxItems != null && value.size() > maxItems.value()) {
        throw refusals(field, wording).value("may list at most " + maxItems.value());
      }
      String[] strings = new String[value.size()];
      for (int i = 0; i < strings.length; i++) {
        JsonNode element = value.get(i);
        if (!element.isTextual()) {
          throw refusals(field, wording).element(element);
        }
        strings[i] = element.textValue();
      }
      // Jackson bound lists as ArrayLists; records copy or read them, none keeps a reference
      return new ArrayList<>(Arrays.asList(strings));
    }

    private Refusals refusals(String field, Wording wording) {
      return new Refusals(field, wording, refusal);
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
}
