package io.workmate.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history rules the soak applies to every job after a restart. */
class JobHistoryCheckTest {

  private static final Instant KILL = Instant.parse("2026-01-01T00:01:00Z");
  private static final String BEFORE = "2026-01-01T00:00:30Z";
  private static final String AFTER = "2026-01-01T00:01:30Z";

  @Test
  void aRequeuedAttemptThatSucceededLaterIsConsistent() {
    JsonNode events = events(event("submitted", BEFORE, 0), event("attempt_started", BEFORE, 1),
        event("requeued", AFTER, 0), event("attempt_started", AFTER, 2),
        event("succeeded", AFTER, 0));
    assertEquals(List.of(), JobHistoryCheck.problems(job("succeeded", 2), events, KILL));
  }

  @Test
  void anAttemptRunningAtTheKillMustNotStayOpen() {
    JsonNode events = events(event("submitted", BEFORE, 0), event("attempt_started", BEFORE, 1));
    List<String> problems = JobHistoryCheck.problems(job("running", 1), events, KILL);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("running at the kill"), problems.toString());
  }

  @Test
  void anAttemptStartedAfterTheRestartMayRun() {
    JsonNode events = events(event("submitted", BEFORE, 0), event("attempt_started", AFTER, 1));
    assertEquals(List.of(), JobHistoryCheck.problems(job("running", 1), events, KILL));
  }

  @Test
  void twoCompletionsAndAnAttemptWithoutAnEndAreFound() {
    JsonNode events = events(event("submitted", BEFORE, 0), event("attempt_started", BEFORE, 1),
        event("attempt_started", BEFORE, 2), event("succeeded", BEFORE, 0),
        event("succeeded", AFTER, 0));
    List<String> problems = JobHistoryCheck.problems(job("succeeded", 2), events, KILL);
    assertTrue(problems.stream().anyMatch(p -> p.contains("attempt 1 vanished")), problems
        .toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("succeeded 2 times")),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("after the final")),
        problems.toString());
  }

  @Test
  void theStatusMustBeWhereTheLastEventLeads() {
    JsonNode events = events(event("submitted", BEFORE, 0), event("attempt_started", BEFORE, 1),
        event("cancelled", BEFORE, 0));
    List<String> problems = JobHistoryCheck.problems(job("queued", 3), events, KILL);
    assertTrue(problems.stream().anyMatch(p -> p.contains("status 'queued'")),
        problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.contains("attempts 3")), problems.toString());
  }

  private static JsonNode job(String status, int attempts) {
    return ServiceApi.JSON.createObjectNode().put("status", status).put("attempts", attempts);
  }

  private static JsonNode event(String type, String at, int attempt) {
    var event = ServiceApi.JSON.createObjectNode().put("type", type).put("at", at);
    if (attempt > 0) {
      event.put("attempt", attempt);
    }
    return event;
  }

  private static ArrayNode events(JsonNode... events) {
    ArrayNode array = ServiceApi.JSON.createArrayNode();
    for (JsonNode event : events) {
      array.add(event);
    }
    return array;
  }
}
