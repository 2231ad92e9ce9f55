package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.junit.jupiter.api.Test;

class FeedEventIdsTest {

  private static final Instant AT = Instant.parse("2026-12-07T12:00:00.123456Z");

  @Test
  void idsNameTheStatusAndCountTheEventsSinceIt() {
    FeedEventIds ids = new FeedEventIds(Optional.empty());
    Job running = job(JobStatus.RUNNING, AT);
    String version = "1796644800123456-running";

    assertEquals(List.of(version + ".0"), idsOf(ids.next(new JobFeed.Status(running))));
    assertEquals(List.of(version + ".1"), idsOf(ids.next(item())));
    assertEquals(List.of(version + ".2"), idsOf(ids.next(item())));
    Job done = job(JobStatus.SUCCEEDED, AT.plusMillis(5));
    assertEquals(List.of("1796644800128456-succeeded.0"),
        idsOf(ids.next(new JobFeed.Status(done))));
    assertEquals(List.of("1796644800128456-succeeded.1"),
        idsOf(ids.next(new JobFeed.End("job-1", done))));
  }

  @Test
  void aReconnectSkipsTheStatusItHasAndGoesOnCounting() {
    Job running = job(JobStatus.RUNNING, AT);
    FeedEventIds resumed = new FeedEventIds(Optional.of("1796644800123456-running.7"));

    assertEquals(List.of(), resumed.next(new JobFeed.Status(running)));
    assertEquals(List.of("1796644800123456-running.8"), idsOf(resumed.next(item())));
  }

  @Test
  void aReconnectAfterAChangeOrWithAMalformedIdGetsTheCurrentStatus() {
    Job done = job(JobStatus.SUCCEEDED, AT.plusSeconds(1));
    for (String last : List.of("1796644800123456-running.7", "garbage", "x.y", ".3")) {
      FeedEventIds ids = new FeedEventIds(Optional.of(last));
      List<ServerSentEvent> first = ids.next(new JobFeed.Status(done));
      assertEquals(1, first.size(), last);
      assertEquals("status", first.get(0).getEventType().orElseThrow());
    }
  }

  private static JobFeed item() {
    return new JobFeed.Item("job-1", 1, "agent_message_delta",
        io.workmate.server.http.Responses.JSON.createObjectNode().put("delta", "x"));
  }

  private static List<String> idsOf(List<ServerSentEvent> events) {
    return events.stream().map(e -> e.getId().orElse("(none)")).toList();
  }

  private static Job job(JobStatus status, Instant updatedAt) {
    return new Job("job-1", JobSpec.of("hello", AT), status, 1, "codex", null, null, null, null,
        null, AT, updatedAt, null);
  }
}
