package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JSON every route answers with, including the one error shape, and the error handlers. */
final class Responses {

  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  /** Instants as ISO-8601 text, records as objects. Thread-safe once configured. */
  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /** Bodies are at most this long (a longer one is a 413). */
  static final long MAX_BODY_BYTES = 64 * 1024;

  /** Seconds a client should wait before it sends work again to a draining service. */
  static final int RETRY_AFTER_SECONDS = 30;

  private Responses() {}

  /** Any value (records, Jackson trees) as {@code application/json}, written by Jackson. */
  static <T> Marshaller<T, RequestEntity> marshaller() {
    return Marshaller.wrapEntity((T value) -> write(value), Marshaller.stringToEntity(),
        MediaTypes.APPLICATION_JSON);
  }

  /** {@code body} with {@code status}, as JSON. */
  static Route json(int status, Object body) {
    return Directives.complete(StatusCodes.get(status), body, marshaller());
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /** Every error: {@code {"error": {"code", "message"}}}. */
  record ErrorBody(Detail error) {
    record Detail(
        @JsonPropertyDescription("machine-readable, e.g. invalid_value") String code,
        @JsonPropertyDescription("what is wrong, naming the field") String message) {}
  }

  static HttpResponse error(int status, String code, String message) {
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(
        ContentTypes.APPLICATION_JSON, write(new ErrorBody(new ErrorBody.Detail(code,
            message)))));
  }

  static HttpResponse error(ApiError error) {
    return error(error.status(), error.code(), error.getMessage());
  }

  /** 503 with {@code Retry-After}: the service is draining to stop and admits nothing new. */
  static HttpResponse unavailableWhileDraining() {
    return error(503, "draining", "the service is stopping and takes no new work; try again "
        + "once it is back").addHeader(RetryAfter.create((long) RETRY_AFTER_SECONDS));
  }

  /**
   * Exceptions as the API's errors: {@link ApiError} as itself, an unanswered ask as 503 naming
   * {@code component}, anything else as a logged 500 without a stack trace for the client.
   */
  static ExceptionHandler exceptions(String component) {
    return ExceptionHandler.newBuilder()
        .match(ApiError.class, e -> Directives.complete(error(e)))
        .match(CompletionException.class, e -> Directives.complete(error(503, "unavailable",
            component + " did not answer: " + e.getCause().getMessage())))
        .match(TimeoutException.class, e -> Directives.complete(error(503, "unavailable",
            component + " did not answer in time")))
        .match(RuntimeException.class, e -> {
          // a bug, not bad input: logged here, and the client gets no stack trace
          log.error("unexpected failure in a route", e);
          return Directives.complete(error(500, "internal", "unexpected failure: "
              + e.getClass().getSimpleName()));
        })
        .build();
  }

  /**
   * Rejections as the API's errors: a body refused by {@link BodyReader} as its
   * {@link ApiError}, a path served under other methods as 405 naming them, no route as 404,
   * and Pekko's own answers (a body over {@link #MAX_BODY_BYTES}: 413) in the error shape.
   */
  static RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handle(MalformedRequestContentRejection.class, rejected ->
            Directives.complete(malformed(rejected)))
        .handleAll(MethodRejection.class, rejected ->
            Directives.complete(error(405, "method_not_allowed", "use "
                + String.join(" or ", rejected.stream().map(r -> r.supported().name())
                    .distinct().toList()) + " on this path")))
        .handleNotFound(Directives.complete(error(404, "not_found", "no such route")))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(response -> {
          if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            return response;
          }
          int status = response.status().intValue();
          return status == 413
              ? error(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES
                  + " bytes")
              : error(status, "bad_request", response.status().reason());
        });
  }

  private static HttpResponse malformed(MalformedRequestContentRejection rejected) {
    Throwable cause = rejected.getCause();
    if (cause instanceof ApiError refused) {
      return error(refused);
    }
    if (cause instanceof EntityStreamSizeException) {
      return error(413, "payload_too_large", "the body is larger than " + MAX_BODY_BYTES
          + " bytes");
    }
    return error(400, "bad_request", "the body could not be read: " + rejected.message());
  }
}
