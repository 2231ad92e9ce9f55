package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/openapi.json}: an OpenAPI 3.0 document made from the router's
 * {@link Operation}s, with each request body's schema made from its record and the
 * {@link Rules} on its fields (what {@link BodyReader} checks).
 */
final class OpenApi {

  /** Where {@code workmate serve} listens unless told otherwise (workmate.http.host/port). */
  static final String DEFAULT_HOST = "127.0.0.1";
  static final String DEFAULT_PORT = "8420";

  private OpenApi() {}

  static ObjectNode document(List<Operation> operations, String version) {
    ObjectNode doc = Responses.JSON.createObjectNode();
    doc.put("openapi", "3.0.3");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Workmate API");
    info.put("version", version);
    info.put("description", "Errors are {\"error\": {\"code\", \"message\"}}. Bodies are at "
        + "most 64 KiB. Every route but the open ones needs Authorization: Bearer <token> "
        + "when the service has WORKMATE_API_TOKEN.");
    ObjectNode server = doc.putArray("servers").addObject();
    server.put("url", "http://{host}:{port}");
    server.put("description", "workmate serve (workmate.http.host and workmate.http.port)");
    ObjectNode variables = server.putObject("variables");
    variables.putObject("host").put("default", DEFAULT_HOST);
    variables.putObject("port").put("default", DEFAULT_PORT);
    ObjectNode components = doc.putObject("components");
    components.putObject("securitySchemes").putObject("bearer")
        .put("type", "http").put("scheme", "bearer");
    ObjectNode schemas = components.putObject("schemas");
    schemas.set("Error", answerSchema(Responses.ErrorBody.class));
    ObjectNode paths = doc.putObject("paths");
    for (Operation operation : operations) {
      ObjectNode path = paths.has(operation.template())
          ? (ObjectNode) paths.get(operation.template())
          : paths.putObject(operation.template());
      path.set(operation.method().toLowerCase(), operation(operation, schemas));
    }
    return doc;
  }

  private static ObjectNode operation(Operation operation, ObjectNode schemas) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("summary", operation.summary());
    node.put("operationId", operation.method().toLowerCase()
        + operation.template().replaceAll("[^A-Za-z0-9]+", "_"));
    ArrayNode parameters = node.putArray("parameters");
    for (String name : operation.placeholders()) {
      ObjectNode parameter = parameters.addObject();
      parameter.put("name", name).put("in", "path").put("required", true);
      parameter.putObject("schema").put("type", "string");
    }
    for (Operation.Query query : operation.query()) {
      ObjectNode parameter = parameters.addObject();
      parameter.put("name", query.name()).put("in", query.in()).put("required", false)
          .put("description", query.description());
      parameter.putObject("schema").put("type", query.type());
    }
    if (operation.body() != null) {
      String name = operation.body().getSimpleName();
      schemas.set(name, schema(operation.body()));
      ObjectNode body = node.putObject("requestBody");
      body.put("required", !operation.bodyOptional());
      body.putObject("content").putObject("application/json").putObject("schema")
          .put("$ref", "#/components/schemas/" + name);
    }
    ObjectNode responses = node.putObject("responses");
    for (Map.Entry<Integer, String> response : operation.responses().entrySet()) {
      ObjectNode entry = responses.putObject(Integer.toString(response.getKey()));
      entry.put("description", response.getValue());
      Class<? extends Record> answer = operation.answers().get(response.getKey());
      if (answer != null) {
        schemas.set(answer.getSimpleName(), answerSchema(answer));
      }
      if (answer != null || response.getKey() >= 400) {
        entry.putObject("content").putObject("application/json").putObject("schema")
            .put("$ref", "#/components/schemas/"
                + (answer != null ? answer.getSimpleName() : "Error"));
      }
    }
    ArrayNode security = node.putArray("security");
    if (!operation.open()) {
      security.addObject().putArray("bearer");
    }
    return node;
  }

  /** The schema of a record: its fields, their types and rules; no other field is allowed. */
  static ObjectNode schema(Class<?> record) {
    ObjectNode schema = Responses.JSON.createObjectNode();
    schema.put("type", "object").put("additionalProperties", false);
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = Responses.JSON.createArrayNode();
    for (RecordComponent field : BodyReader.fields(record).values()) {
      properties.set(field.getName(), property(field));
      if (BodyReader.required(field)) {
        required.add(field.getName());
      }
    }
    if (!required.isEmpty()) {
      schema.set("required", required);
    }
    return schema;
  }

  /**
   * The schema of an answer's record: its fields and types, each required unless Jackson leaves
   * it out when null; later versions may add fields.
   */
  static ObjectNode answerSchema(Class<?> record) {
    ObjectNode schema = Responses.JSON.createObjectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode required = schema.putArray("required");
    for (RecordComponent field : BodyReader.fields(record).values()) {
      ObjectNode property = type(field.getGenericType());
      JsonPropertyDescription description = BodyReader.rule(field,
          JsonPropertyDescription.class);
      if (description != null) {
        property.put("description", description.value());
      }
      properties.set(field.getName(), property);
      JsonInclude include = BodyReader.rule(field, JsonInclude.class);
      if (include == null || include.value() == JsonInclude.Include.ALWAYS) {
        required.add(field.getName());
      }
    }
    return schema;
  }

  private static ObjectNode property(RecordComponent field) {
    ObjectNode property = BodyReader.isObject(field) ? schema(field.getType())
        : type(field.getGenericType());
    JsonPropertyDescription description = BodyReader.rule(field,
        JsonPropertyDescription.class);
    if (description != null) {
      property.put("description", description.value());
    }
    Rules.Range range = BodyReader.rule(field, Rules.Range.class);
    if (range != null) {
      property.put("minimum", range.min()).put("maximum", range.max());
    }
    Rules.OneOf oneOf = BodyReader.rule(field, Rules.OneOf.class);
    if (oneOf != null) {
      ArrayNode values = property.putArray("enum");
      BodyReader.allowed(oneOf).forEach(values::add);
    }
    if (BodyReader.rule(field, Rules.NotBlank.class) != null) {
      property.put("minLength", 1);
    }
    Rules.Length length = BodyReader.rule(field, Rules.Length.class);
    if (length != null) {
      property.put("minLength", length.min()).put("maxLength", length.max());
    }
    Rules.MaxItems maxItems = BodyReader.rule(field, Rules.MaxItems.class);
    if (maxItems != null) {
      property.put("maxItems", maxItems.value());
    }
    return property;
  }

  private static ObjectNode type(Type type) {
    if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
      ObjectNode array = Responses.JSON.createObjectNode().put("type", "array");
      array.set("items", type(list.getActualTypeArguments()[0]));
      return array;
    }
    if (type instanceof ParameterizedType map && map.getRawType() == Map.class) {
      ObjectNode object = Responses.JSON.createObjectNode().put("type", "object");
      object.set("additionalProperties", type(map.getActualTypeArguments()[1]));
      return object;
    }
    ObjectNode node = Responses.JSON.createObjectNode();
    if (type == Integer.class || type == int.class) {
      return node.put("type", "integer").put("format", "int32");
    }
    if (type == Long.class || type == long.class) {
      return node.put("type", "integer").put("format", "int64");
    }
    if (type == Boolean.class || type == boolean.class) {
      return node.put("type", "boolean");
    }
    if (type instanceof Class<?> nested && nested.isRecord()) {
      return answerSchema(nested);
    }
    if (type == Instant.class) {
      return node.put("type", "string").put("format", "date-time");
    }
    if (type == JsonNode.class) {
      return node.put("description", "any JSON value");
    }
    return node.put("type", "string");
  }
}
