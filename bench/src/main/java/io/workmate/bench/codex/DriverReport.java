package io.workmate.bench.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * What a driver tells the bench on one stdout line, {@code BENCH-RESULT {json}}; the Node driver
 * prints the same line.
 *
 * @param startupMillis from the driver's first step (before any runtime or codex process
 *     started) until it was ready: runtime up and one warm-up turn done
 * @param wallMillis the measured workload, from ready to the end of its last turn
 * @param completed turns that ended with the scripted reply
 */
public record DriverReport(long startupMillis, long wallMillis, int completed, int failed,
    List<String> errors) {

  public static final String PREFIX = "BENCH-RESULT ";

  private static final ObjectMapper JSON = new ObjectMapper();

  public void print() {
    try {
      System.out.println(PREFIX + JSON.writeValueAsString(this));
      System.out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The report in a line of driver output, if that line is one. */
  public static Optional<DriverReport> parse(String line) {
    if (!line.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try {
      JsonNode node = JSON.readTree(line.substring(PREFIX.length()));
      List<String> errors = node.path("errors").isArray()
          ? JSON.convertValue(node.path("errors"),
              JSON.getTypeFactory().constructCollectionType(List.class, String.class))
          : List.of();
      return Optional.of(new DriverReport(node.path("startupMillis").asLong(),
          node.path("wallMillis").asLong(),
          node.path("completed").asInt(), node.path("failed").asInt(), errors));
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable driver report: " + line, e);
    }
  }
}
