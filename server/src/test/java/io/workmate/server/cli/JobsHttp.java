package io.workmate.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The jobs API as the crash tests call it: JSON over the JDK's HTTP client, status asserted. */
final class JobsHttp {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private JobsHttp() {}

  /** How many jobs the service at {@code url} lists with {@code status}, over every page. */
  static int count(String url, String status) throws Exception {
    int total = 0;
    String after = null;
    do {
      JsonNode page = get(url + "/v1/jobs?status=" + status + "&limit=1000"
          + (after == null ? "" : "&after=" + after));
      total += page.path("jobs").size();
      after = page.path("next").isTextual() ? page.path("next").asText() : null;
    } while (after != null);
    return total;
  }

  static JsonNode get(String uri) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), uri + ": " + response.body());
    return JSON.readTree(response.body());
  }

  static JsonNode post(String uri, String body, int expected) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(expected, response.statusCode(), uri + ": " + response.body());
    return JSON.readTree(response.body());
  }
}
