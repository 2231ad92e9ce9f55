package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** One parsed Server-Sent Event as the tests read it back from the provider. */
record SseEvent(String event, JsonNode data) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The payload's {@code type}, which must match the {@code event:} line. */
  String type() {
    return data.path("type").asText();
  }

  /** Parses a complete SSE body: frames separated by blank lines, one event and one data line each. */
  static List<SseEvent> parseAll(String body) {
    List<SseEvent> events = new ArrayList<>();
    String event = null;
    StringBuilder data = new StringBuilder();
    for (String line : body.split("\n", -1)) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          events.add(new SseEvent(event, parseJson(data.toString())));
        }
        event = null;
        data.setLength(0);
      } else if (line.startsWith("event: ")) {
        event = line.substring("event: ".length());
      } else if (line.startsWith("data: ")) {
        data.append(line.substring("data: ".length()));
      } else {
        throw new AssertionError("unexpected SSE line: " + line);
      }
    }
    if (data.length() > 0) {
      throw new AssertionError("stream ended inside a frame: " + data);
    }
    return events;
  }

  static List<String> types(List<SseEvent> events) {
    return events.stream().map(SseEvent::type).collect(Collectors.toList());
  }

  static JsonNode parseJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text, e);
    }
  }
}
