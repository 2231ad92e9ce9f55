package io.workmate.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.codex.PendingApproval;
import io.workmate.persistence.CborSerializable;

/**
 * What a watcher of one job receives ({@code GET /v1/jobs/{id}/events}): first the job as it is,
 * then every change of status and every item the agent streams, and {@link End} once the job
 * reached a terminal status (or was never submitted).
 */
public sealed interface JobFeed extends CborSerializable {

  /** The job after a transition (the first event is the job as it was when watching began). */
  record Status(Job job) implements JobFeed {}

  /** An item of the running attempt (see {@code Agent.Update.Item} for the types). */
  record Item(String jobId, int attempt, String type, JsonNode data) implements JobFeed {}

  /** The running attempt waits for a reviewer. */
  record ApprovalRequested(String jobId, int attempt, PendingApproval approval)
      implements JobFeed {}

  /** The approval was answered. */
  record ApprovalResolved(String jobId, int attempt, String approvalId, String decision)
      implements JobFeed {}

  /** No more events: the job is terminal ({@code job}), or unknown ({@code job} null). */
  record End(String jobId, Job job) implements JobFeed {}
}
