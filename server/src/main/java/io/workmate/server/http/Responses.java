package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/** The JSON every route answers with, including the one error shape. */
final class Responses {

  /** Instants as ISO-8601 text, records as objects. Thread-safe once configured. */
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Responses() {}

  static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body.toString()));
  }

  /** {@code {"error": {"code", "message"}}}. */
  static HttpResponse error(int status, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return json(status, body);
  }

  /** Seconds a client should wait before it sends work again to a draining service. */
  static final int RETRY_AFTER_SECONDS = 30;

  /** 503 with {@code Retry-After}: the service is draining to stop and admits nothing new. */
  static HttpResponse unavailableWhileDraining() {
    return error(503, "draining", "the service is stopping and takes no new work; try again "
        + "once it is back").addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter
        .create((long) RETRY_AFTER_SECONDS));
  }

  /**
   * The API's errors as responses, for route classes that also serve on their own (in tests):
   * {@link ApiError} as itself, an unanswered ask as 503 naming {@code component}.
   */
  static org.apache.pekko.http.javadsl.server.ExceptionHandler errorHandler(String component) {
    return org.apache.pekko.http.javadsl.server.ExceptionHandler.newBuilder()
        .match(ApiError.class, e -> org.apache.pekko.http.javadsl.server.Directives.complete(
            error(e.status(), e.code(), e.getMessage())))
        .match(java.util.concurrent.CompletionException.class, e ->
            org.apache.pekko.http.javadsl.server.Directives.complete(error(503, "unavailable",
                component + " did not answer: " + e.getCause().getMessage())))
        .match(java.util.concurrent.TimeoutException.class, e ->
            org.apache.pekko.http.javadsl.server.Directives.complete(error(503, "unavailable",
                component + " did not answer in time")))
        .build();
  }
}
