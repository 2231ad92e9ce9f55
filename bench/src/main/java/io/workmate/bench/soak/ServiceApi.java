package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The service's HTTP API, plainly: every call answers the status and the JSON body, and never
 * throws for an error status (the caller decides what an answer means). A request that got no
 * answer (the service was killed, or it timed out) answers status 0. The crash soak's, and the
 * service bench's for its calls besides the load.
 */
public final class ServiceApi {

  public static final ObjectMapper JSON = new ObjectMapper();

  /** One answer; {@code status} 0 means none came. */
  public record Answer(int status, JsonNode body, String error) {
    public boolean is(int expected) {
      return status == expected;
    }

    public boolean ok() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return status == 0 ? "no answer (" + error + ")" : status + " " + body;
    }
  }

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public ServiceApi(String base) {
    this.base = base;
  }

  public String base() {
    return base;
  }

  public Answer get(String path) {
    return send(request(path).GET());
  }

  public Answer post(String path, Object body) {
    return send(request(path).POST(publisher(body)));
  }

  Answer put(String path, Object body) {
    return send(request(path).PUT(publisher(body)));
  }

  Answer delete(String path) {
    return send(request(path).DELETE());
  }

  /** Submits a job ({@code POST /v1/jobs}); its id, or an exception naming the answer. */
  public String submit(JsonNode body) {
    Answer answer = post("/v1/jobs", body);
    String id = answer.body().path("id").asText("");
    if (answer.status() != 202 || id.isEmpty()) {
      throw new IllegalStateException("POST /v1/jobs " + body + " answered " + answer);
    }
    return id;
  }

  /** The job, or an exception naming the answer. */
  public JsonNode job(String id) {
    return require200("/v1/jobs/" + id);
  }

  /** GETs {@code path}: the body of a 200, or an exception naming the answer. */
  public JsonNode require200(String path) {
    Answer answer = get(path);
    if (answer.status() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + answer);
    }
    return answer.body();
  }

  /** A POST whose answer may never come: the kill can land while it is in flight. */
  CompletableFuture<Answer> postAsync(String path, Object body) {
    return http.sendAsync(request(path).POST(publisher(body)).build(),
            HttpResponse.BodyHandlers.ofString())
        .thenApply(ServiceApi::answer)
        .exceptionally(failure -> new Answer(0, MissingNode.getInstance(), failure.toString()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json");
  }

  private static HttpRequest.BodyPublisher publisher(Object body) {
    try {
      return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + body, e);
    }
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      return answer(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return new Answer(0, MissingNode.getInstance(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, MissingNode.getInstance(), "interrupted");
    }
  }

  private static Answer answer(HttpResponse<String> response) {
    JsonNode body;
    try {
      body = response.body().isEmpty() ? MissingNode.getInstance()
          : JSON.readTree(response.body());
    } catch (IOException e) {
      body = JSON.getNodeFactory().textNode(response.body());
    }
    return new Answer(response.statusCode(), body, null);
  }
}
