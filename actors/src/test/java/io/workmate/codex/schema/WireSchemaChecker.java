package io.workmate.codex.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.WireSchema;
import io.workmate.protocol.codex.WireSchema.Direction;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a protocol record with the codex schema its {@link WireSchema} names and describes every
 * difference in one line: which record, which field, which schema file.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>Every record component's JSON name (its {@code @JsonProperty}, else its name) must be a
 *       schema property: a misspelled field silently reads as null or is dropped by codex.
 *   <li>A {@link Direction#SENT SENT} record must have a component for every {@code required}
 *       property, or codex rejects what we send. A received record may read a subset.
 *   <li>Types must be compatible at the top level; see {@link #compatible}. {@code $ref},
 *       {@code allOf}/{@code anyOf}/{@code oneOf} are followed to the JSON types they allow; a
 *       schema that names no type, and a Java {@code JsonNode}/{@code Object}, accept anything.
 *       Element types of lists are not compared.
 *   <li>A definition that is a union ({@code oneOf}/{@code anyOf} of objects, like
 *       {@code UserInput}) is matched against ONE variant: the one whose {@code type} property
 *       allows the value the record always sends (its discriminator, given to the checker, e.g.
 *       {@code "text"} for {@code TextInput}). Merging all variants would let a field of the image
 *       variant pass for a text input.
 * </ul>
 */
final class WireSchemaChecker {

  private static final int MAX_DEPTH = 16;

  /** Where a record lives in the schema; normally taken from its {@link WireSchema}. */
  record Target(String file, String definition, Direction direction) {

    static Target of(WireSchema annotation) {
      return new Target(annotation.file(), annotation.definition(), annotation.direction());
    }

    String location() {
      return definition.isEmpty() ? file : file + "#/definitions/" + definition;
    }
  }

  /** The object schema a record is compared with, inside the file its {@code $ref}s point into. */
  private record ObjectSchema(JsonNode fileRoot, JsonNode schema) {}

  private final GeneratedSchema schema;
  private final Map<Class<?>, String> unionDiscriminators;

  /**
   * @param unionDiscriminators for records that mirror one variant of a union definition: the
   *     {@code type} value that record sends
   */
  WireSchemaChecker(GeneratedSchema schema, Map<Class<?>, String> unionDiscriminators) {
    this.schema = schema;
    this.unionDiscriminators = Map.copyOf(unionDiscriminators);
  }

  /** Problems of the record against the schema its annotation names; empty if it matches. */
  List<String> check(Class<?> record) {
    WireSchema annotation = record.getAnnotation(WireSchema.class);
    if (annotation == null) {
      return List.of(displayName(record) + " carries no @WireSchema");
    }
    return check(record, Target.of(annotation));
  }

  /** Problems of the record against an explicit target (a second schema it is also sent as). */
  List<String> check(Class<?> record, Target target) {
    String who = displayName(record) + " vs " + target.location() + " (" + schema.codexVersion()
        + ")";
    if (!record.isRecord()) {
      return List.of(who + ": is not a record");
    }
    List<String> problems = new ArrayList<>();
    Optional<ObjectSchema> object = resolveObject(record, target, who, problems);
    object.ifPresent(o -> checkComponents(record, target.direction(), o, who, problems));
    return problems;
  }

  // ---- finding the object schema ----

  private Optional<ObjectSchema> resolveObject(
      Class<?> record, Target target, String who, List<String> problems) {
    Optional<JsonNode> fileRoot = schema.file(target.file());
    if (fileRoot.isEmpty()) {
      problems.add(who + ": codex no longer writes schema file " + target.file());
      return Optional.empty();
    }
    JsonNode root = fileRoot.get();
    Optional<JsonNode> node =
        target.definition().isEmpty()
            ? Optional.of(root)
            : GeneratedSchema.definition(root, target.definition());
    if (node.isEmpty()) {
      problems.add(who + ": " + target.file() + " has no definition '" + target.definition()
          + "'; it has " + new TreeSet<>(fieldNames(root.path("definitions"))));
      return Optional.empty();
    }
    JsonNode resolved = GeneratedSchema.deref(root, node.get());
    // a "flat" union (ThreadItem) has properties of its own besides its variants
    boolean flatUnion = unionDiscriminators.containsKey(record)
        && !GeneratedSchema.variants(resolved).isEmpty();
    if (resolved.has("properties") && !flatUnion) {
      return Optional.of(new ObjectSchema(root, resolved));
    }
    return pickUnionVariant(record, root, resolved, who, problems);
  }

  /** The variant plus the properties its union gives every variant (none for most unions). */
  private static JsonNode withSharedProperties(JsonNode union, JsonNode variant) {
    if (!union.has("properties")) {
      return variant;
    }
    com.fasterxml.jackson.databind.node.ObjectNode merged =
        ((com.fasterxml.jackson.databind.node.ObjectNode) variant).deepCopy();
    com.fasterxml.jackson.databind.node.ObjectNode properties =
        (com.fasterxml.jackson.databind.node.ObjectNode) merged.get("properties");
    union.path("properties").fields().forEachRemaining(shared ->
        properties.putIfAbsent(shared.getKey(), shared.getValue()));
    return merged;
  }

  private Optional<ObjectSchema> pickUnionVariant(
      Class<?> record, JsonNode root, JsonNode union, String who, List<String> problems) {
    List<JsonNode> variants = GeneratedSchema.variants(union);
    if (variants.isEmpty()) {
      problems.add(who + ": the schema is neither an object with properties nor a union");
      return Optional.empty();
    }
    String discriminator = unionDiscriminators.get(record);
    List<String> types = new ArrayList<>();
    for (JsonNode variant : variants) {
      JsonNode object = GeneratedSchema.deref(root, variant);
      Set<String> variantTypes =
          GeneratedSchema.stringValues(root, object.path("properties").path("type"));
      if (discriminator != null && variantTypes.contains(discriminator)) {
        return Optional.of(new ObjectSchema(root, withSharedProperties(union, object)));
      }
      types.addAll(variantTypes);
    }
    problems.add(
        discriminator == null
            ? who + ": the schema is a union of " + variants.size() + " variants " + types
                + "; tell the checker which 'type' this record sends"
            : who + ": no union variant has type '" + discriminator + "'; variants are " + types);
    return Optional.empty();
  }

  // ---- comparing fields ----

  private void checkComponents(
      Class<?> record, Direction direction, ObjectSchema object, String who,
      List<String> problems) {
    JsonNode properties = object.schema().path("properties");
    Set<String> jsonNames = new LinkedHashSet<>();
    for (RecordComponent component : record.getRecordComponents()) {
      String name = jsonName(component);
      jsonNames.add(name);
      JsonNode property = properties.get(name);
      if (property == null) {
        problems.add(who + ": field '" + name + "' is not in the schema's properties "
            + new TreeSet<>(fieldNames(properties)));
      } else {
        typeProblem(component, object.fileRoot(), property)
            .ifPresent(problem -> problems.add(who + ": field '" + name + "' " + problem));
      }
    }
    if (direction == Direction.SENT) {
      for (JsonNode required : object.schema().path("required")) {
        if (!jsonNames.contains(required.asText())) {
          problems.add(who + ": required property '" + required.asText()
              + "' has no record field, so codex would reject what we send");
        }
      }
    }
  }

  private static Optional<String> typeProblem(
      RecordComponent component, JsonNode fileRoot, JsonNode property) {
    Optional<String> javaType = javaJsonType(component.getType());
    Optional<Set<String>> schemaTypes = schemaJsonTypes(fileRoot, property, 0);
    if (javaType.isEmpty() || schemaTypes.isEmpty()
        || compatible(javaType.get(), schemaTypes.get())) {
      return Optional.empty();
    }
    return Optional.of("is Java " + component.getType().getSimpleName() + " (JSON "
        + javaType.get() + ") but the schema allows " + new TreeSet<>(schemaTypes.get()));
  }

  /**
   * A Java type fits when the schema allows its JSON type. A floating-point field also reads
   * integers; an integral field does not read arbitrary numbers.
   */
  static boolean compatible(String javaType, Set<String> schemaTypes) {
    return schemaTypes.contains(javaType)
        || ("number".equals(javaType) && schemaTypes.contains("integer"));
  }

  /** The JSON type Jackson writes for a Java type; empty for "anything" (JsonNode, Object). */
  static Optional<String> javaJsonType(Class<?> type) {
    if (type == String.class || type == char.class || type == Character.class || type.isEnum()) {
      return Optional.of("string"); // protocol enums are written as their wire string
    }
    if (type == boolean.class || type == Boolean.class) {
      return Optional.of("boolean");
    }
    if (isOneOf(type, int.class, long.class, short.class, byte.class, Integer.class, Long.class,
        Short.class, Byte.class, BigInteger.class)) {
      return Optional.of("integer");
    }
    if (isOneOf(type, double.class, float.class, Double.class, Float.class, BigDecimal.class)) {
      return Optional.of("number");
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return Optional.of("array");
    }
    if (type == Object.class || JsonNode.class.isAssignableFrom(type)) {
      return Optional.empty();
    }
    return Optional.of("object"); // maps, records and other beans
  }

  /**
   * The JSON types a schema allows, following {@code $ref} and the union keywords; empty means
   * anything. {@code allOf} is treated like a union: codex only uses it to wrap a single
   * {@code $ref} with a description.
   */
  static Optional<Set<String>> schemaJsonTypes(JsonNode fileRoot, JsonNode schema, int depth) {
    if (depth > MAX_DEPTH || !schema.isObject()) {
      return Optional.empty(); // `true` or too deep: assume anything
    }
    JsonNode resolved = GeneratedSchema.deref(fileRoot, schema);
    JsonNode type = resolved.get("type");
    if (type != null) {
      Set<String> types = new LinkedHashSet<>();
      if (type.isArray()) {
        type.forEach(t -> types.add(t.asText()));
      } else {
        types.add(type.asText());
      }
      return Optional.of(types);
    }
    if (resolved.path("enum").isArray()) {
      Set<String> types = new LinkedHashSet<>();
      resolved.get("enum").forEach(value -> types.add(jsonTypeOf(value)));
      return Optional.of(types);
    }
    List<JsonNode> branches = new ArrayList<>(GeneratedSchema.variants(resolved));
    resolved.path("allOf").forEach(branches::add);
    if (!branches.isEmpty()) {
      return unionOfTypes(fileRoot, branches, depth);
    }
    return resolved.has("properties") ? Optional.of(Set.of("object")) : Optional.empty();
  }

  private static Optional<Set<String>> unionOfTypes(
      JsonNode fileRoot, List<JsonNode> branches, int depth) {
    Set<String> types = new LinkedHashSet<>();
    for (JsonNode branch : branches) {
      Optional<Set<String>> branchTypes = schemaJsonTypes(fileRoot, branch, depth + 1);
      if (branchTypes.isEmpty()) {
        return Optional.empty();
      }
      types.addAll(branchTypes.get());
    }
    return Optional.of(types);
  }

  private static String jsonTypeOf(JsonNode value) {
    if (value.isTextual()) {
      return "string";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    if (value.isNumber()) {
      return "number";
    }
    return value.getNodeType().name().toLowerCase(Locale.ROOT); // boolean, null, ...
  }

  // ---- names ----

  /** The member name on the wire. Record-component annotations land on the accessor and field. */
  static String jsonName(RecordComponent component) {
    JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
    if (property == null) {
      try {
        property = component.getDeclaringRecord().getDeclaredField(component.getName())
            .getAnnotation(JsonProperty.class);
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException("a record component always has a field", e);
      }
    }
    return property != null && !property.value().isEmpty() ? property.value()
        : component.getName();
  }

  /** {@code Approvals.CommandParams} rather than the binary name. */
  static String displayName(Class<?> type) {
    String name = type.getName();
    return name.substring(name.lastIndexOf('.') + 1).replace('$', '.');
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static boolean isOneOf(Class<?> type, Class<?>... candidates) {
    return List.of(candidates).contains(type);
  }
}
