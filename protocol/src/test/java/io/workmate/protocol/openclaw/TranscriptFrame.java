package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One frame of {@link OpenClawTranscripts}, as the text that crossed the socket. */
record TranscriptFrame(String file, int line, String dir, String text, JsonNode json) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every {@code in} and {@code out} frame of every transcript ({@code meta} lines skipped). */
  static List<TranscriptFrame> all() {
    List<TranscriptFrame> frames = new ArrayList<>();
    for (Map.Entry<String, String> file : OpenClawTranscripts.all().entrySet()) {
      String[] lines = file.getValue().split("\n");
      for (int i = 0; i < lines.length; i++) {
        JsonNode line = parse(lines[i]);
        String dir = line.path("dir").asText();
        if (!dir.equals("meta")) {
          JsonNode frame = line.get("frame");
          frames.add(new TranscriptFrame(file.getKey(), i + 1, dir, frame.toString(), frame));
        }
      }
    }
    return frames;
  }

  /** The gateway's successful connect answer from the first handshake transcript. */
  static TranscriptFrame helloOk() {
    return all().stream()
        .filter(f -> f.json().path("payload").path("type").asText().equals("hello-ok"))
        .findFirst()
        .orElseThrow();
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return file + ":" + line + " (" + dir + ")";
  }
}
