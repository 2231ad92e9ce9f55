package io.workmate.server.http;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One operation of the API: its method and path, whether it needs the token, the record its body
 * binds to, and its route. {@link Router} builds the routing tree from a list of operations and
 * {@link OpenApi} the document, so neither can name an operation the other lacks.
 *
 * @param method HTTP method (upper case)
 * @param template path with {@code {name}} placeholders, e.g. {@code /v1/jobs/{id}}
 * @param open true for the operations that need no token (health, readiness)
 * @param body the record the JSON body binds to, or null for none
 * @param bodyOptional an empty body is a body of absent fields
 * @param query query parameters
 * @param responses status to description
 * @param answers status to the record its JSON body is written from (an error's is
 *     {@link Responses.ErrorBody} unless said)
 * @param route gets the placeholders' values in order
 */
record Operation(String method, String template, String summary, boolean open,
    Class<? extends Record> body, boolean bodyOptional, List<Query> query,
    Map<Integer, String> responses, Map<Integer, Class<? extends Record>> answers,
    Function<List<String>, Route> route) {

  /**
   * A query parameter ({@code in} "query") or a request header ("header"): {@code type} is its
   * JSON schema type.
   */
  record Query(String name, String type, String description, String in) {
    Query(String name, String type, String description) {
      this(name, type, description, "query");
    }
  }

  /** The path's segments: literals and {@code {placeholders}}. */
  List<String> segments() {
    return Arrays.stream(template.substring(1).split("/")).toList();
  }

  List<String> placeholders() {
    return segments().stream().filter(Operation::isPlaceholder)
        .map(segment -> segment.substring(1, segment.length() - 1)).toList();
  }

  static boolean isPlaceholder(String segment) {
    return segment.startsWith("{") && segment.endsWith("}");
  }

  static Builder get(String template, String summary) {
    return new Builder("GET", template, summary);
  }

  static Builder post(String template, String summary) {
    return new Builder("POST", template, summary);
  }

  static Builder put(String template, String summary) {
    return new Builder("PUT", template, summary);
  }

  static Builder delete(String template, String summary) {
    return new Builder("DELETE", template, summary);
  }

  /** Describes an operation step by step; a {@code route} or {@code body} method ends it. */
  static final class Builder {
    private final String method;
    private final String template;
    private final String summary;
    private boolean open;
    private final List<Query> query = new java.util.ArrayList<>();
    private final Map<Integer, String> responses = new TreeMap<>();
    private final Map<Integer, Class<? extends Record>> answers = new TreeMap<>();

    private Builder(String method, String template, String summary) {
      this.method = method;
      this.template = template;
      this.summary = summary;
    }

    Builder open() {
      this.open = true;
      return this;
    }

    Builder query(String name, String type, String description) {
      query.add(new Query(name, type, description));
      return this;
    }

    /** A request header the operation reads. */
    Builder header(String name, String description) {
      query.add(new Query(name, "string", description, "header"));
      return this;
    }

    Builder responds(int status, String description) {
      responses.put(status, description);
      return this;
    }

    /** A response whose body is written from {@code answer}. */
    Builder responds(int status, String description, Class<? extends Record> answer) {
      answers.put(status, answer);
      return responds(status, description);
    }

    /** No placeholder, no body. */
    Operation route(Supplier<Route> route) {
      return build(null, false, 0, values -> route.get());
    }

    /** One placeholder, no body. */
    Operation route(Function<String, Route> route) {
      return build(null, false, 1, values -> route.apply(values.get(0)));
    }

    /** No placeholder; the body bound to {@code type}. */
    <B extends Record> Operation body(Class<B> type, Function<B, Route> route) {
      return build(type, false, 0, values -> Directives.entity(
          BodyReader.unmarshaller(type), route));
    }

    /** As {@link #body(Class, Function)}, an empty body being one of absent fields. */
    <B extends Record> Operation optionalBody(Class<B> type, Function<B, Route> route) {
      return build(type, true, 0, values -> Directives.entity(
          BodyReader.optionalUnmarshaller(type), route));
    }

    /** One placeholder; the body bound to {@code type}. */
    <B extends Record> Operation body(Class<B> type, BiFunction<String, B, Route> route) {
      return build(type, false, 1, values -> Directives.entity(
          BodyReader.unmarshaller(type), body -> route.apply(values.get(0), body)));
    }

    private Operation build(Class<? extends Record> body, boolean bodyOptional,
        int placeholders, Function<List<String>, Route> route) {
      if (!open) {
        responses.putIfAbsent(401, "missing or wrong bearer token");
      }
      if (body != null) {
        responses.putIfAbsent(400, "malformed JSON, unknown field, wrong type or value "
            + "(named)");
      }
      Operation operation = new Operation(method, template, summary, open, body, bodyOptional,
          List.copyOf(query), Collections.unmodifiableMap(new LinkedHashMap<>(responses)),
          Map.copyOf(answers), route);
      if (operation.placeholders().size() != placeholders) {
        throw new IllegalArgumentException(template + " has " + operation.placeholders().size()
            + " placeholders; its route takes " + placeholders);
      }
      return operation;
    }
  }
}
