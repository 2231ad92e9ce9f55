package io.workmate.server.http;

import static io.workmate.server.http.RequestBodies.integer;
import static io.workmate.server.http.RequestBodies.optional;
import static io.workmate.server.http.RequestBodies.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.agents.AgentProfile;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns the job routes' bodies and query parameters into dispatcher requests, or refuses them. */
final class JobRequests {

  static final Set<String> SUBMIT_FIELDS = Set.of("prompt", "agent", "capabilities", "priority",
      "maxAttempts", "timeoutSeconds", "deadlineSeconds", "cwd", "approval", "idempotencyKey");
  /** The policies the pinned codex takes per turn (ApprovalPolicy; it has no on-failure). */
  static final List<String> APPROVAL_POLICIES =
      java.util.Arrays.stream(io.workmate.protocol.codex.ApprovalPolicy.values())
          .map(io.workmate.protocol.codex.ApprovalPolicy::wire).sorted().toList();
  static final int MAX_PRIORITY = 1_000;
  static final int MAX_ATTEMPTS = 100;
  static final int MAX_TIMEOUT_SECONDS = 86_400;
  static final int MAX_DEADLINE_SECONDS = 30 * 86_400;
  static final int MAX_CAPABILITIES = 32;
  static final int MAX_IDEMPOTENCY_KEY = 200;
  static final int MAX_LIMIT = 1_000;
  static final int DEFAULT_LIMIT = 50;

  /** Job ids as the dispatcher makes them (and accepts). */
  static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

  /** What a job gets when its request does not say. */
  record Defaults(int maxAttempts, int timeoutSeconds) {}

  private JobRequests() {}

  static JobSpec submit(String body, Defaults defaults, Instant now) {
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, SUBMIT_FIELDS);
    String prompt = RequestBodies.requiredText(request, "prompt");
    if (prompt.isBlank()) {
      throw new ApiError(400, "invalid_value", "\"prompt\" must not be empty");
    }
    JobSpec spec = new JobSpec(prompt, null, List.of(), 0, defaults.maxAttempts(),
        defaults.timeoutSeconds(), null, null, null, null, now);
    JsonNode agent = optional(request, "agent");
    if (agent != null) {
      String id = text("agent", agent);
      if (!AgentProfile.VALID_ID.matcher(id).matches()) {
        throw new ApiError(400, "invalid_value", "\"agent\" is not an agent id: '" + id
            + "' (1-64 of a-z, 0-9, '.', '_', '-')");
      }
      spec = spec.withAgent(id);
    }
    JsonNode capabilities = optional(request, "capabilities");
    if (capabilities != null) {
      spec = spec.withCapabilities(capabilities(capabilities));
    }
    JsonNode priority = optional(request, "priority");
    if (priority != null) {
      spec = spec.withPriority(integer("priority", priority, -MAX_PRIORITY, MAX_PRIORITY));
    }
    JsonNode attempts = optional(request, "maxAttempts");
    if (attempts != null) {
      spec = spec.withMaxAttempts(integer("maxAttempts", attempts, 1, MAX_ATTEMPTS));
    }
    JsonNode timeout = optional(request, "timeoutSeconds");
    if (timeout != null) {
      spec = spec.withTimeoutSeconds(integer("timeoutSeconds", timeout, 1, MAX_TIMEOUT_SECONDS));
    }
    JsonNode deadline = optional(request, "deadlineSeconds");
    if (deadline != null) {
      spec = spec.withDeadline(
          now.plusSeconds(integer("deadlineSeconds", deadline, 1, MAX_DEADLINE_SECONDS)));
    }
    JsonNode cwd = optional(request, "cwd");
    if (cwd != null) {
      spec = spec.withCwd(directory(text("cwd", cwd)));
    }
    JsonNode approval = optional(request, "approval");
    if (approval != null) {
      String policy = text("approval", approval);
      if (!APPROVAL_POLICIES.contains(policy)) {
        throw new ApiError(400, "invalid_value", "\"approval\" must be one of "
            + String.join(", ", APPROVAL_POLICIES) + ", not '" + policy + "'");
      }
      spec = spec.withApprovalPolicy(policy);
    }
    JsonNode key = optional(request, "idempotencyKey");
    if (key != null) {
      String value = text("idempotencyKey", key);
      if (value.isEmpty() || value.length() > MAX_IDEMPOTENCY_KEY) {
        throw new ApiError(400, "invalid_value", "\"idempotencyKey\" must be 1 to "
            + MAX_IDEMPOTENCY_KEY + " characters");
      }
      spec = spec.withIdempotencyKey(value);
    }
    return spec;
  }

  private static List<String> capabilities(JsonNode value) {
    if (!value.isArray()) {
      throw new ApiError(400, "invalid_type", "\"capabilities\" must be an array of strings, not "
          + RequestBodies.describe(value));
    }
    if (value.size() > MAX_CAPABILITIES) {
      throw new ApiError(400, "invalid_value", "\"capabilities\" may list at most "
          + MAX_CAPABILITIES);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode element : value) {
      if (!element.isTextual()) {
        throw new ApiError(400, "invalid_type", "\"capabilities\" must be an array of strings, "
            + "but holds " + RequestBodies.describe(element));
      }
      if (!AgentProfile.VALID_CAPABILITY.matcher(element.asText()).matches()) {
        throw new ApiError(400, "invalid_value", "\"capabilities\" holds '" + element.asText()
            + "', not a capability (1-64 of a-z, 0-9, '.', '_', ':', '-')");
      }
      names.add(element.asText());
    }
    return names;
  }

  /** The agent runs on this machine, so the directory must exist here. */
  private static String directory(String cwd) {
    Path path;
    try {
      path = Path.of(cwd);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ApiError(400, "invalid_value", "\"cwd\" is not a path: " + e.getMessage());
    }
    if (!path.isAbsolute()) {
      throw new ApiError(400, "invalid_value", "\"cwd\" must be an absolute path, not '"
          + cwd + "'");
    }
    if (!Files.isDirectory(path)) {
      throw new ApiError(400, "invalid_value", "\"cwd\" " + cwd + " is not a directory");
    }
    return path.normalize().toString();
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
