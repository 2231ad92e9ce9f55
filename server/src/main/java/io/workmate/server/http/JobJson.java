package io.workmate.server.http;

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

  static ObjectNode job(Job job) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("id", job.id());
    node.put("status", job.status().wireName());
    node.put("attempts", job.attempts());
    node.put("maxAttempts", job.spec().maxAttempts());
    node.put("priority", job.spec().priority());
    node.put("agent", job.agent());
    node.put("threadId", job.threadId());
    if (job.resultText() != null) {
      node.putObject("result").put("text", job.resultText());
    }
    if (job.lastError() != null) {
      node.put("error", job.lastError());
    }
    if (job.approvalId() != null) {
      node.put("approvalId", job.approvalId());
    }
    putInstant(node, "createdAt", job.createdAt());
    putInstant(node, "updatedAt", job.updatedAt());
    if (job.retryAt() != null) {
      putInstant(node, "retryAt", job.retryAt());
    }
    if (job.spec().deadline() != null) {
      putInstant(node, "deadline", job.spec().deadline());
    }
    return node;
  }

  static ObjectNode summary(JobSummary job) {
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("id", job.id());
    node.put("status", job.status().wireName());
    node.put("attempts", job.attempts());
    node.put("priority", job.priority());
    node.put("agent", job.agent());
    if (job.lastError() != null) {
      node.put("error", job.lastError());
    }
    putInstant(node, "createdAt", job.createdAt());
    putInstant(node, "updatedAt", job.updatedAt());
    return node;
  }

  static ObjectNode page(JobDispatcher.JobPage page) {
    ObjectNode node = Responses.JSON.createObjectNode();
    ArrayNode jobs = node.putArray("jobs");
    page.jobs().forEach(job -> jobs.add(summary(job)));
    node.put("next", page.next());
    return node;
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

  static JsonNode eventData(JobFeed feed) {
    if (feed instanceof JobFeed.Status status) {
      return job(status.job());
    }
    if (feed instanceof JobFeed.Item item) {
      ObjectNode node = Responses.JSON.createObjectNode();
      node.put("jobId", item.jobId());
      node.put("attempt", item.attempt());
      node.put("type", item.type());
      node.set("data", item.data());
      return node;
    }
    if (feed instanceof JobFeed.ApprovalRequested requested) {
      return approval(requested.jobId(), requested.attempt(), requested.approval());
    }
    if (feed instanceof JobFeed.ApprovalResolved resolved) {
      ObjectNode node = Responses.JSON.createObjectNode();
      node.put("jobId", resolved.jobId());
      node.put("attempt", resolved.attempt());
      node.put("approvalId", resolved.approvalId());
      node.put("decision", resolved.decision());
      return node;
    }
    JobFeed.End end = (JobFeed.End) feed;
    if (end.job() != null) {
      return job(end.job());
    }
    ObjectNode node = Responses.JSON.createObjectNode();
    node.put("id", end.jobId());
    node.putNull("status");
    return node;
  }

  private static void putInstant(ObjectNode node, String field, Instant instant) {
    if (instant == null) {
      node.putNull(field);
    } else {
      node.put(field, instant.toString());
    }
  }
}
