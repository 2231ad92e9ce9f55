package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.util.List;

/** Every answer to a {@link JobOp}. */
public sealed interface JobReply extends CborSerializable {

  /** The job after the op (unchanged for a read and for a repeated submit). */
  record Current(Job job) implements JobReply {}

  /** The latest transitions, oldest first, at most {@value JobRules#HISTORY_LIMIT}. */
  record History(String jobId, List<JobEvent> events) implements JobReply {

    public History {
      events = List.copyOf(events);
    }
  }

  /** The op does not fit the job's status; nothing changed (HTTP 409). */
  record Rejected(String code, String message) implements JobReply {}

  /** No job was ever submitted under this id (HTTP 404). */
  record NotFound(String jobId) implements JobReply {}
}
