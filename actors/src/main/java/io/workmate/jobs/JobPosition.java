package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * Where a job stands in the listing of a cluster, whose shards each know their own jobs only:
 * submission time, then id. Every shard can page after a position it never held, so a listing
 * merged from all shards keeps one stable order while jobs arrive.
 */
public record JobPosition(Instant createdAt, String id)
    implements Comparable<JobPosition>, CborSerializable {

  private static final Comparator<JobPosition> ORDER =
      Comparator.comparing(JobPosition::createdAt).thenComparing(JobPosition::id);

  public JobPosition {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(id, "id");
  }

  public static JobPosition of(JobSummary job) {
    return new JobPosition(job.createdAt(), job.id());
  }

  @Override
  public int compareTo(JobPosition other) {
    return ORDER.compare(this, other);
  }
}
