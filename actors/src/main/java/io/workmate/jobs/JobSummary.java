package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.time.Instant;

/** A job in a listing: small enough to keep one per job in memory. */
public record JobSummary(String id, JobStatus status, int priority, String agent, int attempts,
    String lastError, Instant createdAt, Instant updatedAt) implements CborSerializable {

  public static JobSummary of(Job job) {
    return new JobSummary(job.id(), job.status(), job.spec().priority(), job.agent(),
        job.attempts(), job.lastError(), job.createdAt(), job.updatedAt());
  }
}
