package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.workmate.jobs.JobFeed;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedBacklogTest {

  @Test
  void aSmallBacklogIsKeptAsItCame() {
    FeedBacklog backlog = FeedBacklog.of(delta("agent_message_delta", "msg-1", "a"));
    for (int i = 1; i < FeedBacklog.MERGE_AFTER; i++) {
      backlog.add(delta("agent_message_delta", "msg-1", "a"));
    }
    assertEquals(FeedBacklog.MERGE_AFTER, backlog.entries().size());
  }

  @Test
  void beyondItConsecutiveDeltasOfOneItemBecomeOneAndOtherEntriesStayInOrder() {
    FeedBacklog backlog = behind().add(delta("agent_message_delta", "msg-1", "Hel"))
        .add(delta("agent_message_delta", "msg-1", "lo "))
        .add(delta("agent_message_delta", "msg-1", "there"))
        .add(delta("command_output_delta", "cmd-1", "out"))
        .add(delta("agent_message_delta", "msg-1", "!"))
        .add(new JobFeed.Item("job-1", 1, "item_completed", Responses.JSON.createObjectNode()
            .put("id", "msg-1")));

    List<JobFeed> entries = backlog.entries().subList(FeedBacklog.MERGE_AFTER,
        backlog.entries().size());
    assertEquals(4, entries.size(), entries.toString());
    assertEquals("Hello there", ((JobFeed.Item) entries.get(0)).data().path("delta").asText());
    assertEquals("msg-1", ((JobFeed.Item) entries.get(0)).data().path("itemId").asText());
    assertEquals("out", ((JobFeed.Item) entries.get(1)).data().path("delta").asText());
    assertEquals("!", ((JobFeed.Item) entries.get(2)).data().path("delta").asText());
    assertEquals("item_completed", ((JobFeed.Item) entries.get(3)).type());
  }

  @Test
  void deltasOfAnotherItemOrAttemptAreNotMerged() {
    FeedBacklog backlog = behind().add(delta("agent_message_delta", "msg-1", "a"))
        .add(delta("agent_message_delta", "msg-2", "b"))
        .add(new JobFeed.Item("job-1", 2, "agent_message_delta", Responses.JSON
            .createObjectNode().put("itemId", "msg-2").put("delta", "c")));
    assertEquals(FeedBacklog.MERGE_AFTER + 3, backlog.entries().size());
  }

  @Test
  void aBacklogThatKeepsGrowingFailsTheStream() {
    FeedBacklog backlog = FeedBacklog.of(delta("agent_message_delta", "msg-1", "x"));
    String big = "y".repeat(1024 * 1024);
    assertThrows(IllegalStateException.class, () -> {
      for (int i = 0; i < 5; i++) {
        backlog.add(delta("agent_message_delta", "msg-1", big));
      }
    });
    FeedBacklog many = FeedBacklog.of(delta("agent_message_delta", "msg-0", "x"));
    assertThrows(IllegalStateException.class, () -> {
      for (int i = 1; i <= FeedBacklog.MAX_ENTRIES; i++) {
        many.add(delta("agent_message_delta", "msg-" + i, "x"));
      }
    });
  }

  /** A backlog of MERGE_AFTER status entries: the next deltas are merged. */
  private static FeedBacklog behind() {
    FeedBacklog backlog = FeedBacklog.of(new JobFeed.End("job-0", null));
    for (int i = 1; i < FeedBacklog.MERGE_AFTER; i++) {
      backlog.add(new JobFeed.End("job-" + i, null));
    }
    return backlog;
  }

  private static JobFeed delta(String type, String itemId, String text) {
    return new JobFeed.Item("job-1", 1, type, Responses.JSON.createObjectNode()
        .put("itemId", itemId).put("delta", text));
  }
}
