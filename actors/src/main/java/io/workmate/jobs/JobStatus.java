package io.workmate.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** Where a job is in its life. Persisted and shown by its wire name, never by the enum name. */
public enum JobStatus {
  QUEUED("queued"),
  RUNNING("running"),
  WAITING_APPROVAL("waiting_approval"),
  /** An attempt failed and another one is scheduled (see {@link Job#retryAt()}). */
  FAILED("failed"),
  SUCCEEDED("succeeded"),
  CANCELLED("cancelled"),
  /** No attempts left: the job is a dead letter until someone retries it. */
  DEAD("dead");

  private final String wireName;

  JobStatus(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Nothing happens to a job in this status unless someone asks (only {@code dead} can be retried). */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == CANCELLED || this == DEAD;
  }

  /** The status of a wire name such as {@code waiting_approval}. */
  @JsonCreator
  public static JobStatus fromWireName(String wireName) {
    return Arrays.stream(values())
        .filter(status -> status.wireName.equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown job status: " + wireName));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
