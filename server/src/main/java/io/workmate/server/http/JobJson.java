package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobSummary;
import io.workmate.jobs.dispatch.JobDispatcher;
import java.time.Instant;
import java.util.List;

/** How jobs, their history, their feed and approvals look on the wire. */
final class JobJson {

  private JobJson() {}

  /** A job as {@code GET /v1/jobs/{id}} shows it; the optional fields only when set. */
  record JobView(String id, String status, int attempts, int maxAttempts, int priority,
      String agent, String threadId, @JsonInclude(Include.NON_NULL) Result result,
      @JsonInclude(Include.NON_NULL) String error,
      @JsonInclude(Include.NON_NULL) String approvalId, Instant createdAt, Instant updatedAt,
      @JsonInclude(Include.NON_NULL) Instant retryAt,
      @JsonInclude(Include.NON_NULL) Instant deadline,
      @JsonInclude(Include.NON_NULL) WorkspaceView workspace) {

    /** What the agent answered. */
    record Result(String text) {}
  }

  static JobView job(Job job) {
    return new JobView(job.id(), job.status().wireName(), job.attempts(),
        job.spec().maxAttempts(), job.spec().priority(), job.agent(), job.threadId(),
        job.resultText() == null ? null : new JobView.Result(job.resultText()),
        job.lastError(), job.approvalId(), job.createdAt(), job.updatedAt(), job.retryAt(),
        job.spec().deadline(), WorkspaceView.of(job));
  }

  /**
   * A job's workspace: what was asked, and once made its branch and base; once committed its
   * head and changed files ({@code added}/{@code removed} lines, -1 for a binary file).
   */
  record WorkspaceView(String repo, String base, String branch,
      @JsonInclude(Include.NON_NULL) String baseCommit,
      @JsonInclude(Include.NON_NULL) String headCommit,
      List<io.workmate.jobs.JobWorkspace.ChangedFile> files,
      @JsonInclude(Include.NON_NULL) String followUpOf) {

    static WorkspaceView of(Job job) {
      io.workmate.jobs.WorkspaceSpec spec = job.spec().workspace();
      if (spec == null) {
        return null;
      }
      io.workmate.jobs.JobWorkspace made = job.workspace();
      return made == null
          ? new WorkspaceView(spec.repo(), spec.base(), spec.branchOf(job.id()),
              spec.baseCommit(), null, List.of(), spec.followUpOf())
          : new WorkspaceView(made.repo(), spec.base(), made.branch(), made.baseCommit(),
              made.headCommit(), made.files(), spec.followUpOf());
    }
  }

  /** A job in a listing. */
  record SummaryView(String id, String status, int attempts, int priority, String agent,
      @JsonInclude(Include.NON_NULL) String error, Instant createdAt, Instant updatedAt) {}

  static SummaryView summary(JobSummary job) {
    return new SummaryView(job.id(), job.status().wireName(), job.attempts(), job.priority(),
        job.agent(), job.lastError(), job.createdAt(), job.updatedAt());
  }

  /** A page of a listing; {@code next} is null on the last page. */
  record Page(List<SummaryView> jobs, String next) {}

  static Page page(JobDispatcher.JobPage page) {
    return new Page(page.jobs().stream().map(JobJson::summary).toList(), page.next());
  }

  static ObjectNode history(String jobId, List<JobEvent> events) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("id", jobId);
    ArrayNode list = node.putArray("events");
    for (JobEvent event : events) {
      // the events carry their "type" (JobEvent's type names); the job id is said once above
      ObjectNode entry = Responses.JSON.valueToTree(event);
      entry.remove("jobId");
      list.add(entry);
    }
    return node;
  }

  static ObjectNode approval(String jobId, int attempt, PendingApproval approval) {
    ObjectNode node = Responses.JSON.valueToTree(approval);
    node.put("jobId", jobId);
    node.put("attempt", attempt);
    return node;
  }

  static ObjectNode approvals(List<JobDispatcher.JobApproval> approvals) {
    ObjectNode node = Responses.JSON.createObjectNode();
    ArrayNode list = node.putArray("approvals");
    approvals.forEach(a -> list.add(approval(a.jobId(), a.attempt(), a.approval())));
    return node;
  }

  /** The SSE event name of a feed entry. */
  /** The name of a feed's last event, sent once the job is finished. */
  static final String END_EVENT = "end";

  static String eventName(JobFeed feed) {
    if (feed instanceof JobFeed.Status) {
      return "status";
    }
    if (feed instanceof JobFeed.Item) {
      return "item";
    }
    if (feed instanceof JobFeed.ApprovalRequested) {
      return "approval";
    }
    if (feed instanceof JobFeed.ApprovalResolved) {
      return "approval_resolved";
    }
    return END_EVENT;
  }

  /** An item of a running attempt, in the event stream. */
  record ItemView(String jobId, int attempt, String type, JsonNode data) {}

  /** A reviewer's answer, in the event stream. */
  record ResolvedView(String jobId, int attempt, String approvalId, String decision) {}

  /** The end of a job that no longer exists. */
  record Gone(String id, String status) {}

  /** The data of a feed entry's event. */
  static Object eventData(JobFeed feed) {
    if (feed instanceof JobFeed.Status status) {
      return job(status.job());
    }
    if (feed instanceof JobFeed.Item item) {
      return new ItemView(item.jobId(), item.attempt(), item.type(), item.data());
    }
    if (feed instanceof JobFeed.ApprovalRequested requested) {
      return approval(requested.jobId(), requested.attempt(), requested.approval());
    }
    if (feed instanceof JobFeed.ApprovalResolved resolved) {
      return new ResolvedView(resolved.jobId(), resolved.attempt(), resolved.approvalId(),
          resolved.decision());
    }
    JobFeed.End end = (JobFeed.End) feed;
    return end.job() != null ? job(end.job()) : new Gone(end.jobId(), null);
  }

  /** A feed entry's event data as JSON text. */
  static String eventJson(JobFeed feed) {
    try {
      return Responses.JSON.writeValueAsString(eventData(feed));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the event of " + feed, e);
    }
  }
}
