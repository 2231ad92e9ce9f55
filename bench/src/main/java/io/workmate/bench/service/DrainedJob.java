package io.workmate.bench.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A job of a drain run as the restarted service shows it: its status and attempts, and from its
 * journaled history when its turn's thread was attached (the turn's stream starts right after)
 * and when it succeeded. Those times are the service's wall clock, the same clock the bench
 * reads at the signal.
 */
record DrainedJob(String id, ScriptedTurn turn, String status, int attempts,
    Instant threadAttachedAt, Instant succeededAt, int succeededEvents, int releasedEvents) {

  static DrainedJob of(String id, ScriptedTurn turn, JsonNode job, JsonNode history) {
    Instant attached = null;
    Instant succeeded = null;
    int succeededEvents = 0;
    int released = 0;
    for (JsonNode event : history.path("events")) {
      switch (event.path("type").asText()) {
        case "thread_attached" -> attached = instant(event.path("at"));
        case "succeeded" -> {
          succeeded = instant(event.path("at"));
          succeededEvents++;
        }
        case "attempt_released" -> released++;
        default -> { }
      }
    }
    return new DrainedJob(id, turn, job.path("status").asText(), job.path("attempts").asInt(),
        attached, succeeded, succeededEvents, released);
  }

  /** What is wrong with the job after the drain; empty when it finished once, in one attempt. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (!status.equals("succeeded")) {
      problems.add(id + " is " + status + ", not succeeded");
    }
    if (attempts != 1) {
      problems.add(id + " has attempts " + attempts + ", not 1");
    }
    if (succeededEvents != 1) {
      problems.add(id + " has " + succeededEvents + " succeeded events, not 1");
    }
    if (releasedEvents != 0) {
      problems.add(id + " was interrupted by the drain (attempt_released)");
    }
    if (threadAttachedAt == null) {
      problems.add(id + " has no thread_attached event");
    }
    return problems;
  }

  /** The journal writes instants as ISO text; decimal seconds are read too. */
  private static Instant instant(JsonNode at) {
    if (at.isNumber()) {
      BigDecimal seconds = at.decimalValue();
      return Instant.ofEpochSecond(seconds.longValue(),
          seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
    return Instant.parse(at.asText());
  }
}
