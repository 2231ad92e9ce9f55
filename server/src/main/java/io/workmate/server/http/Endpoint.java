package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One route of the API: how it is matched, whether it needs the token, what it does, and what
 * {@code /v1/openapi.json} says about it. The router and the OpenAPI document are both built from
 * the same list of endpoints, so neither can name a route the other lacks.
 *
 * @param method HTTP method (upper case)
 * @param template path with {@code {name}} placeholders, e.g. {@code /v1/jobs/{id}}
 * @param open true for the routes that need no token (health, readiness)
 * @param handler gets the placeholders' values in order
 * @param requestBody JSON schema of the body, or null
 * @param query query parameters: name to description
 * @param responses status to description
 */
record Endpoint(String method, String template, String summary, boolean open,
    Function<List<String>, Route> handler, JsonNode requestBody, Map<String, String> query,
    Map<Integer, String> responses) {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z]+)}");

  /** The template as a regex: each placeholder is one non-empty path segment. */
  Pattern pathPattern() {
    Matcher placeholders = PLACEHOLDER.matcher(template);
    StringBuilder regex = new StringBuilder();
    int last = 0;
    while (placeholders.find()) {
      regex.append(Pattern.quote(template.substring(last, placeholders.start())))
          .append("([^/]+)");
      last = placeholders.end();
    }
    regex.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(regex.toString());
  }

  List<String> placeholders() {
    return PLACEHOLDER.matcher(template).results().map(m -> m.group(1)).toList();
  }

  static Builder endpoint(String method, String template, String summary) {
    return new Builder(method, template, summary);
  }

  /** Describes an endpoint step by step; {@link #handle} ends it. */
  static final class Builder {
    private final String method;
    private final String template;
    private final String summary;
    private boolean open;
    private JsonNode requestBody;
    private final Map<String, String> query = new java.util.LinkedHashMap<>();
    private final Map<Integer, String> responses = new java.util.TreeMap<>();

    private Builder(String method, String template, String summary) {
      this.method = method;
      this.template = template;
      this.summary = summary;
    }

    Builder open() {
      this.open = true;
      return this;
    }

    Builder body(JsonNode schema) {
      this.requestBody = schema;
      return this;
    }

    Builder query(String name, String description) {
      query.put(name, description);
      return this;
    }

    Builder responds(int status, String description) {
      responses.put(status, description);
      return this;
    }

    Endpoint handle(Function<List<String>, Route> handler) {
      if (!open) {
        responses.putIfAbsent(401, "missing or wrong bearer token");
      }
      return new Endpoint(method, template, summary, open, handler, requestBody,
          java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query)), java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(responses)));
    }
  }
}
