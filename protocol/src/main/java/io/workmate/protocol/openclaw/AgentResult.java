package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The final answer to {@code agent}: {@code status} ok / error / timeout, a {@code summary}
 * ("completed", or what went wrong) and the reply texts in {@code result.payloads}. A failed run
 * may come as {@code ok:false}; {@link AgentReply#from} folds the error into {@code error}.
 */
public record AgentResult(String runId, String status, String summary, Result result,
    String error) implements AgentReply {

  public static final String STATUS_OK = "ok";
  public static final String STATUS_ERROR = "error";
  public static final String STATUS_TIMEOUT = "timeout";

  public record Result(List<Payload> payloads, JsonNode meta) {}

  public record Payload(String text) {}

  static AgentResult failed(AgentResult partial, GatewayError error) {
    String message = error == null ? null : error.message();
    if (partial == null) {
      return new AgentResult(null, STATUS_ERROR, message, null, message);
    }
    return new AgentResult(partial.runId(),
        partial.status() == null ? STATUS_ERROR : partial.status(), partial.summary(),
        partial.result(), partial.error() != null ? partial.error() : message);
  }

  @Override
  @JsonIgnore
  public boolean isFinal() {
    return true;
  }

  public boolean succeeded() {
    return STATUS_OK.equals(status);
  }

  /** The payload texts joined by blank lines; empty when the run produced none. */
  public String text() {
    if (result == null || result.payloads() == null) {
      return "";
    }
    return result.payloads().stream()
        .filter(Objects::nonNull)
        .map(Payload::text)
        .filter(Objects::nonNull)
        .collect(Collectors.joining("\n\n"));
  }
}
