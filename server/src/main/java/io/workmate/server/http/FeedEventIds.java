package io.workmate.server.http;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;

/**
 * The ids of one job event stream, {@code <version>.<n>}: {@code version} names the job's last
 * status ({@code updatedAt} in microseconds and the status), {@code n} counts the events since
 * it. A client that reconnects with {@code Last-Event-ID} does not get the status it already
 * has again, and its ids go on from where they were. Items streamed while it was away are not
 * sent again: they are not journaled (the job's result and history are).
 */
final class FeedEventIds {

  private final String resumeVersion;
  private final long resumeCount;
  private boolean first = true;
  private String version = "0";
  private long count;

  /** {@code lastEventId}: the header of a reconnecting client; a malformed one is ignored. */
  FeedEventIds(Optional<String> lastEventId) {
    String id = lastEventId.orElse("");
    int dot = id.lastIndexOf('.');
    long n = -1;
    if (dot > 0) {
      try {
        n = Long.parseLong(id.substring(dot + 1));
      } catch (NumberFormatException e) {
        n = -1;
      }
    }
    this.resumeVersion = n >= 0 ? id.substring(0, dot) : null;
    this.resumeCount = Math.max(n, 0);
  }

  /** The event of a feed entry, or none for the status the reconnecting client already has. */
  List<ServerSentEvent> next(JobFeed entry) {
    boolean initial = first;
    first = false;
    if (entry instanceof JobFeed.Status status) {
      String current = version(status.job());
      if (initial && current.equals(resumeVersion)) {
        version = current;
        count = resumeCount;
        return List.of();
      }
      version = current;
      count = 0;
    } else {
      if (entry instanceof JobFeed.End end && end.job() != null
          && !version(end.job()).equals(version)) {
        version = version(end.job());
        count = 0;
      } else {
        count++;
      }
    }
    return List.of(ServerSentEvent.create(JobJson.eventJson(entry), JobJson.eventName(entry),
        version + "." + count));
  }

  static String version(Job job) {
    Instant at = job.updatedAt();
    long micros = Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L),
        at.getNano() / 1_000);
    return micros + "-" + job.status().wireName();
  }
}
