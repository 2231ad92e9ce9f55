package io.workmate.bench.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The few calls the bench makes besides the load: status 0 when no answer came, never an
 * exception for an error status (the caller decides what an answer means).
 */
final class ServiceClient {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One answer; {@code status} 0 means none came. */
  record Answer(int status, JsonNode body, String error) {
    @Override
    public String toString() {
      return status == 0 ? "no answer (" + error + ")" : status + " " + body;
    }
  }

  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  ServiceClient(String base) {
    this.base = base;
  }

  String base() {
    return base;
  }

  Answer get(String path) {
    return send(request(path).GET());
  }

  Answer post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Submits a job; its id, or an exception naming the answer. */
  String submit(String json) {
    Answer answer = post("/v1/jobs", json);
    String id = answer.body().path("id").asText("");
    if (answer.status() != 202 || id.isEmpty()) {
      throw new IllegalStateException("POST /v1/jobs " + json + " answered " + answer);
    }
    return id;
  }

  /** The job, or an exception naming the answer. */
  JsonNode job(String id) {
    return require200("/v1/jobs/" + id);
  }

  JsonNode require200(String path) {
    Answer answer = get(path);
    if (answer.status() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + answer);
    }
    return answer.body();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body;
      try {
        body = response.body().isEmpty() ? MissingNode.getInstance()
            : JSON.readTree(response.body());
      } catch (IOException notJson) {
        body = JSON.getNodeFactory().textNode(response.body());
      }
      return new Answer(response.statusCode(), body, null);
    } catch (IOException e) {
      return new Answer(0, MissingNode.getInstance(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, MissingNode.getInstance(), "interrupted");
    }
  }
}
