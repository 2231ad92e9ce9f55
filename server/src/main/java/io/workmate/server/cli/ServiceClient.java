package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.server.config.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The CLI's side of the HTTP API: JSON requests with the bearer token, and the failures a user
 * can act on as exceptions that carry the exit code and one clear line.
 */
final class ServiceClient {

  /** A request that ended the command: what to print and which exit code. */
  static final class Failure extends Exception {
    final int exitCode;

    Failure(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  record Answer(int status, JsonNode body) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Secret token;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  ServiceClient(URI base, Secret token) {
    this.base = base;
    this.token = token;
  }

  URI base() {
    return base;
  }

  static ObjectMapper json() {
    return JSON;
  }

  Answer get(String path) throws Failure, InterruptedException {
    return send(request(path).GET().build());
  }

  Answer post(String path, JsonNode body) throws Failure, InterruptedException {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
  }

  /** A text body ({@code accept}: its media type); errors are JSON as everywhere. */
  String getText(String path, String accept) throws Failure, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(30)).headers(authorization()).header("Accept", accept)
        .GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    }
    if (response.statusCode() >= 300) {
      throw failure(response.statusCode(), parse(response.body(), response.statusCode()));
    }
    return response.body();
  }

  /** The lines of an event stream; the caller closes the stream. */
  Stream<String> eventLines(String path) throws Failure, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
        .header("Accept", "text/event-stream").headers(authorization()).GET().build();
    HttpResponse<Stream<String>> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw unreachable(e);
    }
    if (response.statusCode() != 200) {
      String text = response.body().reduce("", (a, b) -> a + b);
      throw failure(response.statusCode(), parse(text, response.statusCode()));
    }
    return response.body();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .headers(authorization());
  }

  private String[] authorization() {
    return token.isEmpty() ? new String[] {"Accept", "application/json"}
        : new String[] {"Accept", "application/json", "Authorization", "Bearer " + token.reveal()};
  }

  private Answer send(HttpRequest request) throws Failure, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    }
    JsonNode body = parse(response.body(), response.statusCode());
    if (response.statusCode() >= 300) {
      throw failure(response.statusCode(), body);
    }
    return new Answer(response.statusCode(), body);
  }

  private Failure unreachable(IOException e) {
    String reason = e.getMessage() != null ? e.getMessage()
        : e instanceof java.net.ConnectException ? "connection refused"
        : e instanceof java.net.http.HttpTimeoutException ? "timed out"
        : "connection failed";
    return new Failure(ClientExitCodes.UNREACHABLE, "no answer from " + base + " (" + reason
        + "); is `workmate serve` running?");
  }

  private static JsonNode parse(String text, int status) throws Failure {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new Failure(ClientExitCodes.UNEXPECTED, "the service answered " + status
          + " with something that is not JSON");
    }
  }

  /** The service's own words, with the exit code its status maps to. */
  static Failure failure(int status, JsonNode body) {
    String message = body.path("error").path("message").asText("HTTP " + status);
    int code = switch (status) {
      case 400, 401, 403, 413, 422 -> ClientExitCodes.USAGE;
      case 404 -> ClientExitCodes.NOT_FOUND;
      case 409 -> ClientExitCodes.CONFLICT;
      default -> ClientExitCodes.UNEXPECTED;
    };
    return new Failure(code, message);
  }
}
