package io.workmate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.jobs.JobFeed;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an event stream holds for a client that reads slower than the job streams. Up to
 * {@link #MERGE_AFTER} entries are held as they came; beyond, consecutive text deltas of one
 * item become one delta, so a client that fell behind a fast stream (a browser tab busy for a
 * moment, thousands of deltas a second) gets the same text in fewer events instead of losing
 * its stream. Beyond {@link #MAX_ENTRIES} entries or
 * {@link #MAX_CHARS} characters of text the backlog refuses to grow and the stream fails, as a
 * client that stopped reading would otherwise hold the service's memory.
 */
final class FeedBacklog {

  static final int MERGE_AFTER = 1024;
  static final int MAX_ENTRIES = 4096;
  static final int MAX_CHARS = 4 * 1024 * 1024;
  private static final Set<String> DELTAS = Set.of("agent_message_delta", "command_output_delta");

  private final List<JobFeed> entries = new ArrayList<>();
  private long chars;

  static FeedBacklog of(JobFeed first) {
    return new FeedBacklog().add(first);
  }

  /** Adds an entry, merged into the last one when both are deltas of the same item. */
  FeedBacklog add(JobFeed next) {
    int last = entries.size() - 1;
    if (last + 1 >= MERGE_AFTER && entries.get(last) instanceof JobFeed.Item previous
        && next instanceof JobFeed.Item item && mergeable(previous, item)) {
      ObjectNode merged = ((ObjectNode) previous.data()).deepCopy();
      merged.put("delta", previous.data().get("delta").asText() + item.data().get("delta")
          .asText());
      entries.set(last, new JobFeed.Item(previous.jobId(), previous.attempt(), previous.type(),
          merged));
    } else {
      entries.add(next);
    }
    if (next instanceof JobFeed.Item item && item.data() != null
        && item.data().get("delta") != null) {
      chars += item.data().get("delta").asText().length();
    }
    if (entries.size() > MAX_ENTRIES || chars > MAX_CHARS) {
      throw new IllegalStateException("the client fell too far behind the job's events ("
          + entries.size() + " events, " + chars + " characters held)");
    }
    return this;
  }

  List<JobFeed> entries() {
    return entries;
  }

  /** Two deltas of the same item whose data is only its id and the text. */
  private static boolean mergeable(JobFeed.Item previous, JobFeed.Item next) {
    return DELTAS.contains(previous.type()) && previous.type().equals(next.type())
        && previous.attempt() == next.attempt() && previous.jobId().equals(next.jobId())
        && isDelta(previous.data()) && isDelta(next.data())
        && previous.data().get("itemId").equals(next.data().get("itemId"));
  }

  private static boolean isDelta(JsonNode data) {
    return data instanceof ObjectNode && data.size() == 2 && data.path("delta").isTextual()
        && data.has("itemId");
  }
}
