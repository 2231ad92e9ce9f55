package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one job and its history and checks that they agree: at most one completion, nothing
 * after a final event, attempts numbered 1, 2, 3 ... with each one ended before the next
 * starts, no attempt that was running at the kill still open after the restart (recovery must
 * have failed or requeued it), the status the one the last event leads to, and the attempt
 * counter the last attempt's number.
 */
final class JobHistoryCheck {

  /** The status and what is wrong with the job (empty when nothing). */
  record Result(String status, List<String> problems) {}

  private static final Map<String, String> STATUS_AFTER = Map.ofEntries(
      Map.entry("submitted", "queued"), Map.entry("requeued", "queued"),
      Map.entry("retried", "queued"), Map.entry("attempt_started", "running"),
      Map.entry("thread_attached", "running"), Map.entry("approval_resumed", "running"),
      Map.entry("approval_awaited", "waiting_approval"), Map.entry("attempt_failed", "failed"),
      Map.entry("succeeded", "succeeded"), Map.entry("cancelled", "cancelled"),
      Map.entry("dead_lettered", "dead"));
  private static final Set<String> FINAL = Set.of("succeeded", "cancelled", "dead_lettered");
  private static final Set<String> ENDS_ATTEMPT = Set.of("attempt_failed", "requeued",
      "succeeded", "cancelled", "dead_lettered");
  private static final int READS = 10;

  private JobHistoryCheck() {}

  /**
   * Reads history, job, history again until the two histories are the same (the job may be
   * moving: jobs run on after the restart), then checks them.
   */
  static Result read(ServiceApi api, String id, Instant killedAt) {
    for (int read = 1; ; read++) {
      JsonNode before = api.get("/v1/jobs/" + id + "/history").body().path("events");
      JsonNode job = api.get("/v1/jobs/" + id).body();
      JsonNode after = api.get("/v1/jobs/" + id + "/history").body().path("events");
      if (before.equals(after) || read == READS) {
        return new Result(job.path("status").asText(), problems(job, after, killedAt));
      }
    }
  }

  static List<String> problems(JsonNode job, JsonNode events, Instant killedAt) {
    List<String> problems = new ArrayList<>();
    if (events.isEmpty()) {
      problems.add("no history");
      return problems;
    }
    int succeeded = 0;
    int lastAttempt = 0;
    JsonNode open = null;
    String last = null;
    String finalEvent = null;
    for (JsonNode event : events) {
      String type = event.path("type").asText();
      if (finalEvent != null && !(finalEvent.equals("dead_lettered") && type.equals("retried"))) {
        problems.add("'" + type + "' after the final '" + finalEvent + "'");
      }
      finalEvent = FINAL.contains(type) ? type : (type.equals("retried") ? null : finalEvent);
      succeeded += type.equals("succeeded") ? 1 : 0;
      if (type.equals("attempt_started")) {
        int attempt = event.path("attempt").asInt();
        if (open != null) {
          problems.add("attempt " + open.path("attempt").asInt() + " vanished: attempt "
              + attempt + " started with no end of it");
        }
        if (attempt != lastAttempt + 1) {
          problems.add("attempt " + attempt + " follows attempt " + lastAttempt);
        }
        lastAttempt = attempt;
        open = event;
      } else if (ENDS_ATTEMPT.contains(type)) {
        open = null;
      }
      if (!STATUS_AFTER.containsKey(type)) {
        problems.add("unknown event type '" + type + "'");
        continue;
      }
      if ((type.equals("thread_attached") || type.startsWith("approval_")) && open == null) {
        problems.add("'" + type + "' outside a running attempt");
      }
      if (!type.equals("thread_attached")) {
        last = type; // a thread id changes no status
      }
    }
    if (succeeded > 1) {
      problems.add("succeeded " + succeeded + " times");
    }
    if (open != null && Instant.parse(open.path("at").asText()).isBefore(killedAt)) {
      problems.add("attempt " + open.path("attempt").asInt() + " was running at the kill and "
          + "is still open after the restart (neither failed nor requeued)");
    }
    String status = job.path("status").asText();
    String expected = STATUS_AFTER.get(last);
    // attempt_failed leads to 'failed' (retry due) or, on the last attempt, to dead_lettered
    if (expected != null && !expected.equals(status)) {
      problems.add("status '" + status + "' but the last event is '" + last + "'");
    }
    int attempts = job.path("attempts").asInt();
    if (lastAttempt > 0 && attempts != lastAttempt) {
      problems.add("attempts " + attempts + " but the last attempt started was " + lastAttempt);
    }
    return problems;
  }
}
