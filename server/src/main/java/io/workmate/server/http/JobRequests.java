package io.workmate.server.http;

import io.workmate.jobs.JobStatus;
import java.util.Optional;
import java.util.regex.Pattern;

/** The job routes' query parameters and ids: what the dispatcher gets, or a refusal. */
final class JobRequests {

  static final int MAX_LIMIT = 1_000;
  static final int DEFAULT_LIMIT = 50;

  /** Job ids as the dispatcher makes them (and accepts). */
  static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  /** Agent ids as registered, with a cluster node's {@code @node} suffix. */
  static final Pattern AGENT_ID = Pattern.compile("[a-z0-9][a-z0-9._:@-]{0,199}");

  private JobRequests() {}

  static String agent(Optional<String> agent) {
    if (agent.isEmpty()) {
      return null;
    }
    if (!AGENT_ID.matcher(agent.get()).matches()) {
      throw new ApiError(400, "invalid_value", "agent must be an agent id (a-z, 0-9, '.', '_', "
          + "':', '@', '-'), not '" + agent.get() + "'");
    }
    return agent.get();
  }

  static JobStatus status(Optional<String> status) {
    if (status.isEmpty()) {
      return null;
    }
    try {
      return JobStatus.fromWireName(status.get());
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "invalid_value", "status must be one of "
          + java.util.Arrays.stream(JobStatus.values()).map(JobStatus::wireName)
              .collect(java.util.stream.Collectors.joining(", ")) + ", not '" + status.get() + "'");
    }
  }

  static int limit(Optional<String> limit) {
    if (limit.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int value = Integer.parseInt(limit.get());
      if (value >= 1 && value <= MAX_LIMIT) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below, with the same message
    }
    throw new ApiError(400, "invalid_value", "limit must be a whole number from 1 to "
        + MAX_LIMIT + ", not '" + limit.get() + "'");
  }

  static String after(Optional<String> after) {
    if (after.isEmpty()) {
      return null;
    }
    if (!JOB_ID.matcher(after.get()).matches()) {
      throw new ApiError(400, "invalid_value", "after must be a job id (the previous page's "
          + "\"next\"), not '" + after.get() + "'");
    }
    return after.get();
  }
}
