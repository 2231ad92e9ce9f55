package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/openapi.json}: an OpenAPI 3.0 document made from the router's endpoints. */
final class OpenApi {

  private OpenApi() {}

  static ObjectNode document(List<Endpoint> endpoints, String version) {
    ObjectNode doc = Responses.JSON.createObjectNode();
    doc.put("openapi", "3.0.3");
    ObjectNode info = doc.putObject("info");
    info.put("title", "Workmate API");
    info.put("version", version);
    info.put("description", "Errors are {\"error\": {\"code\", \"message\"}}. Bodies are at "
        + "most 64 KiB. Every route but the open ones needs Authorization: Bearer <token> "
        + "when the service has WORKMATE_API_TOKEN.");
    ObjectNode components = doc.putObject("components");
    components.putObject("securitySchemes").putObject("bearer")
        .put("type", "http").put("scheme", "bearer");
    components.putObject("schemas").set("Error", errorSchema());
    ObjectNode paths = doc.putObject("paths");
    for (Endpoint endpoint : endpoints) {
      ObjectNode path = paths.has(endpoint.template())
          ? (ObjectNode) paths.get(endpoint.template()) : paths.putObject(endpoint.template());
      ObjectNode operation = path.putObject(endpoint.method().toLowerCase());
      operation.put("summary", endpoint.summary());
      operation.put("operationId", endpoint.method().toLowerCase()
          + endpoint.template().replaceAll("[^A-Za-z0-9]+", "_"));
      ArrayNode parameters = operation.putArray("parameters");
      for (String name : endpoint.placeholders()) {
        ObjectNode parameter = parameters.addObject();
        parameter.put("name", name).put("in", "path").put("required", true);
        parameter.putObject("schema").put("type", "string");
      }
      for (Map.Entry<String, String> query : endpoint.query().entrySet()) {
        ObjectNode parameter = parameters.addObject();
        parameter.put("name", query.getKey()).put("in", "query").put("required", false)
            .put("description", query.getValue());
        parameter.putObject("schema").put("type",
            query.getKey().equals("limit") ? "integer" : "string");
      }
      if (endpoint.requestBody() != null) {
        ObjectNode body = operation.putObject("requestBody");
        body.put("required", true);
        body.putObject("content").putObject("application/json")
            .set("schema", endpoint.requestBody());
      }
      ObjectNode responses = operation.putObject("responses");
      for (Map.Entry<Integer, String> response : endpoint.responses().entrySet()) {
        ObjectNode entry = responses.putObject(Integer.toString(response.getKey()));
        entry.put("description", response.getValue());
        if (response.getKey() >= 400) {
          entry.putObject("content").putObject("application/json").putObject("schema")
              .put("$ref", "#/components/schemas/Error");
        }
      }
      if (!endpoint.open()) {
        operation.putArray("security").addObject().putArray("bearer");
      }
    }
    return doc;
  }

  static JsonNode submitSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("prompt");
    ObjectNode properties = (ObjectNode) schema.get("properties");
    properties.set("prompt", string("the text for the agent (not empty)"));
    properties.set("agent", string("the agent to run on; else routed by capabilities"));
    ObjectNode capabilities = properties.putObject("capabilities");
    capabilities.put("type", "array").put("maxItems", JobRequests.MAX_CAPABILITIES)
        .put("description", "what the agent must offer");
    capabilities.putObject("items").put("type", "string");
    properties.set("priority", integer(-JobRequests.MAX_PRIORITY, JobRequests.MAX_PRIORITY,
        "higher runs first; default 0"));
    properties.set("maxAttempts", integer(1, JobRequests.MAX_ATTEMPTS,
        "attempts before the job is dead; default workmate.jobs.default-max-attempts"));
    properties.set("timeoutSeconds", integer(1, JobRequests.MAX_TIMEOUT_SECONDS,
        "limit of one attempt; default workmate.jobs.default-timeout"));
    properties.set("deadlineSeconds", integer(1, JobRequests.MAX_DEADLINE_SECONDS,
        "the whole job must be done within this many seconds of submission"));
    properties.set("cwd", string("an existing absolute directory for the agent"));
    ObjectNode approval = string("the codex approval policy of the job");
    ArrayNode policies = approval.putArray("enum");
    JobRequests.APPROVAL_POLICIES.forEach(policies::add);
    properties.set("approval", approval);
    properties.set("idempotencyKey", string("the same key returns the same job (1-200 chars)"));
    return schema;
  }

  static JsonNode decisionSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("decision");
    ObjectNode decision = string("the reviewer's answer");
    ArrayNode values = decision.putArray("enum");
    ApprovalRoutes.DECISIONS.forEach(values::add);
    ((ObjectNode) schema.get("properties")).set("decision", decision);
    return schema;
  }

  static JsonNode memorySchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("kind").add("text");
    ObjectNode properties = (ObjectNode) schema.get("properties");
    ObjectNode kind = string("what the entry is");
    kind.putArray("enum").add("note").add("fact").add("summary");
    properties.set("kind", kind);
    properties.set("text", string("the entry, at most 16 KiB of UTF-8"));
    ObjectNode tags = Responses.JSON.createObjectNode().put("type", "array");
    tags.set("items", string("a tag ([A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}); at most 16"));
    properties.set("tags", tags);
    return schema;
  }

  static JsonNode agentSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("id").add("kind");
    ObjectNode properties = (ObjectNode) schema.get("properties");
    properties.set("id", string("1-64 of a-z 0-9 . _ -, starting with a letter or digit"));
    ObjectNode kind = string("the backend the agent invokes");
    ArrayNode kinds = kind.putArray("enum");
    for (io.workmate.agents.AgentKind value : io.workmate.agents.AgentKind.values()) {
      kinds.add(value.wireName());
    }
    properties.set("kind", kind);
    ObjectNode capabilities = Responses.JSON.createObjectNode().put("type", "array");
    capabilities.set("items", string("a capability (a-z 0-9 . _ : -)"));
    properties.set("capabilities", capabilities);
    properties.set("maxConcurrent", integer(1, 1000, "invocations at once (default 1)"));
    properties.set("rateLimitPerMinute", integer(0, Integer.MAX_VALUE,
        "starts in any 60 s window, 0 for no limit"));
    properties.set("endpoint", string("http(s) URL; kind http only"));
    properties.set("model", string("model name for the backend"));
    properties.set("cwd", string("working directory (codex)"));
    properties.set("ttlSeconds", integer(0, 86400,
        "expiry without a heartbeat; 0 never (default 60 for http/gateway, 0 otherwise)"));
    return schema;
  }

  static JsonNode modeSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("mode");
    ObjectNode mode = string("the mode to request");
    mode.putArray("enum").add("auto").add("local").add("remote").add("offline");
    ((ObjectNode) schema.get("properties")).set("mode", mode);
    return schema;
  }

  static JsonNode messageSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("prompt");
    ObjectNode properties = (ObjectNode) schema.get("properties");
    properties.set("prompt", string("the message"));
    properties.putObject("preferOnline").put("type", "boolean");
    return schema;
  }

  static JsonNode drainSchema() {
    ObjectNode schema = object();
    ((ObjectNode) schema.get("properties")).set("reason",
        string("why, for the log (optional; the body may be empty)"));
    return schema;
  }

  static JsonNode stallSchema() {
    ObjectNode schema = object();
    schema.putArray("required").add("seconds");
    ((ObjectNode) schema.get("properties")).set("seconds",
        integer(1, 600, "how long the dispatcher's thread is blocked"));
    return schema;
  }

  private static ObjectNode errorSchema() {
    ObjectNode schema = object();
    ObjectNode error = object();
    ObjectNode fields = (ObjectNode) error.get("properties");
    fields.set("code", string("machine-readable, e.g. invalid_value"));
    fields.set("message", string("what is wrong, naming the field"));
    ((ObjectNode) schema.get("properties")).set("error", error);
    return schema;
  }

  /** An object that refuses fields it does not list. */
  private static ObjectNode object() {
    ObjectNode schema = Responses.JSON.createObjectNode();
    schema.put("type", "object").put("additionalProperties", false);
    schema.putObject("properties");
    return schema;
  }

  private static ObjectNode string(String description) {
    ObjectNode schema = Responses.JSON.createObjectNode();
    return schema.put("type", "string").put("description", description);
  }

  private static ObjectNode integer(int min, int max, String description) {
    ObjectNode schema = Responses.JSON.createObjectNode();
    return schema.put("type", "integer").put("minimum", min).put("maximum", max)
        .put("description", description);
  }
}
