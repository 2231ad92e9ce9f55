package io.workmate.bench.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The raw client the page is compared with: reads a job's {@code /v1/jobs/{id}/events} with the
 * JDK's HTTP client on a thread of its own and notes, for each status the job reaches, when the
 * service made the change (the job's {@code updatedAt}) and when the event arrived (epoch ms).
 */
final class StatusStream implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A status change: the service's wall clock and this client's, both epoch milliseconds. */
  record Seen(long changedAt, long arrivedAt) {}

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile Stream<String> lines;

  private StatusStream(String eventsUrl) {
    reader = new Thread(() -> read(eventsUrl), "raw-sse");
    reader.setDaemon(true);
    reader.start();
  }

  static StatusStream follow(String base, String jobId) {
    return new StatusStream(base + "/v1/jobs/" + jobId + "/events");
  }

  /** What was seen of {@code status}, or null. */
  Seen of(String status) {
    return seen.get(status);
  }

  private void read(String url) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
    try (Stream<String> body = HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.ofLines()).body()) {
      lines = body;
      body.filter(line -> line.startsWith("data:")).forEach(line -> {
        long now = System.currentTimeMillis();
        JsonNode job = parse(line.substring(5));
        String status = job.path("status").asText("");
        if (!status.isEmpty() && job.hasNonNull("updatedAt")) {
          seen.putIfAbsent(status, new Seen(
              Instant.parse(job.get("updatedAt").asText()).toEpochMilli(), now));
        }
      });
    } catch (IOException | InterruptedException | RuntimeException e) {
      // closed at the end of the round, or the service ended the stream
    }
  }

  private static JsonNode parse(String data) {
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  @Override
  public void close() {
    Stream<String> open = lines;
    if (open != null) {
      open.close(); // ends the connection, and with it the reader's blocked read
    }
    reader.interrupt();
  }
}
