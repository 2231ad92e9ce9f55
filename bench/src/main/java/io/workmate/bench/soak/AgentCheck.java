package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** Compares a registered agent with its acknowledged registration and last heartbeat. */
final class AgentCheck {

  private AgentCheck() {}

  /** Adds to {@code problems} what differs: settings, or an expiry earlier than acknowledged. */
  static void compare(Acknowledged.Agent expected, JsonNode agent, List<String> problems) {
    String id = expected.id();
    for (String field : List.of("kind", "maxConcurrent", "ttlSeconds", "capabilities")) {
      JsonNode want = expected.settings().path(field);
      if (!want.isMissingNode() && !want.equals(agent.path(field))) {
        problems.add("agent " + id + ": " + field + " acknowledged as " + want + ", now "
            + agent.path(field));
      }
    }
    Instant expires = expiresAt(agent);
    // a heartbeat's answer named this deadline: the restart must not move it back
    if (expected.expiresAt() != null
        && (expires == null || expires.isBefore(expected.expiresAt()))) {
      problems.add("agent " + id + ": last acknowledged heartbeat set expiresAt "
          + expected.expiresAt() + ", after the restart it is " + expires);
    }
  }

  static Instant expiresAt(JsonNode agent) {
    JsonNode at = agent.path("expiresAt");
    return at.isTextual() ? Instant.parse(at.asText()) : null;
  }
}
