package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.AgentRegistration;
import io.workmate.jobs.JobSpec;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.server.http.Rules.Length;
import io.workmate.server.http.Rules.MaxItems;
import io.workmate.server.http.Rules.NotBlank;
import io.workmate.server.http.Rules.OneOf;
import io.workmate.server.http.Rules.Range;
import io.workmate.server.http.Rules.Refusal;
import io.workmate.server.http.Rules.Worded;
import io.workmate.server.http.Rules.Wording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Every JSON request body of the API, each a record that {@link BodyReader} checks and Jackson
 * binds, and that {@code /v1/openapi.json} describes (its fields, their {@link Rules}).
 */
final class RequestBodies {

  private RequestBodies() {}

  static final int MAX_PRIORITY = 1_000;
  static final int MAX_ATTEMPTS = 100;
  static final int MAX_TIMEOUT_SECONDS = 86_400;
  static final int MAX_DEADLINE_SECONDS = 30 * 86_400;
  static final int MAX_CAPABILITIES = 32;
  static final int MAX_IDEMPOTENCY_KEY = 200;
  static final int MAX_STALL_SECONDS = 600;

  /** What a job gets when its request does not say. */
  record Defaults(int maxAttempts, int timeoutSeconds) {}

  /** {@code POST /v1/jobs}. */
  record SubmitJob(
      @JsonProperty(required = true) @JsonPropertyDescription("the text for the agent (not "
          + "empty)") @NotBlank String prompt,
      @JsonPropertyDescription("the agent to run on; else routed by capabilities")
      String agent,
      @JsonPropertyDescription("what the agent must offer") @MaxItems(MAX_CAPABILITIES)
      List<String> capabilities,
      @JsonPropertyDescription("higher runs first; default 0")
      @Range(min = -MAX_PRIORITY, max = MAX_PRIORITY) Integer priority,
      @JsonPropertyDescription("attempts before the job is dead; default "
          + "workmate.jobs.default-max-attempts") @Range(min = 1, max = MAX_ATTEMPTS)
      Integer maxAttempts,
      @JsonPropertyDescription("limit of one attempt; default workmate.jobs.default-timeout")
      @Range(min = 1, max = MAX_TIMEOUT_SECONDS) Integer timeoutSeconds,
      @JsonPropertyDescription("the whole job must be done within this many seconds of "
          + "submission") @Range(min = 1, max = MAX_DEADLINE_SECONDS) Integer deadlineSeconds,
      @JsonPropertyDescription("an existing absolute directory for the agent") String cwd,
      @JsonPropertyDescription("the codex approval policy of the job")
      @OneOf(wireOf = ApprovalPolicy.class) String approval,
      @JsonPropertyDescription("the same key returns the same job")
      @Length(min = 1, max = MAX_IDEMPOTENCY_KEY) String idempotencyKey,
      @JsonPropertyDescription("run in a git worktree of this repository, on a branch of its "
          + "own") WorkspaceRequest workspace)
      implements Rules.Checked {

    @Override
    public void check() {
      if (agent != null && !AgentProfile.VALID_ID.matcher(agent).matches()) {
        throw new ApiError(400, "invalid_value", "\"agent\" is not an agent id: '" + agent
            + "' (1-64 of a-z, 0-9, '.', '_', '-')");
      }
      for (String capability : capabilities == null ? List.<String>of() : capabilities) {
        if (!AgentProfile.VALID_CAPABILITY.matcher(capability).matches()) {
          throw new ApiError(400, "invalid_value", "\"capabilities\" holds '" + capability
              + "', not a capability (1-64 of a-z, 0-9, '.', '_', ':', '-')");
        }
      }
      if (cwd != null) {
        directory(cwd);
      }
      if (cwd != null && workspace != null) {
        throw new ApiError(400, "invalid_value", "\"cwd\" and \"workspace\" exclude each "
            + "other: a job with a workspace runs in its worktree");
      }
    }

    JobSpec toSpec(Defaults defaults, Instant now) {
      JobSpec spec = new JobSpec(prompt, null, List.of(), 0, defaults.maxAttempts(),
          defaults.timeoutSeconds(), null, null, null, null, now);
      if (agent != null) {
        spec = spec.withAgent(agent);
      }
      if (capabilities != null) {
        spec = spec.withCapabilities(List.copyOf(capabilities));
      }
      if (priority != null) {
        spec = spec.withPriority(priority);
      }
      if (maxAttempts != null) {
        spec = spec.withMaxAttempts(maxAttempts);
      }
      if (timeoutSeconds != null) {
        spec = spec.withTimeoutSeconds(timeoutSeconds);
      }
      if (deadlineSeconds != null) {
        spec = spec.withDeadline(now.plusSeconds(deadlineSeconds));
      }
      if (cwd != null) {
        spec = spec.withCwd(directory(cwd));
      }
      if (approval != null) {
        spec = spec.withApprovalPolicy(approval);
      }
      if (idempotencyKey != null) {
        spec = spec.withIdempotencyKey(idempotencyKey);
      }
      return spec;
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
  }

  /** The {@code workspace} of {@code POST /v1/jobs}: where in git the job works. */
  record WorkspaceRequest(
      @JsonProperty(required = true) @JsonPropertyDescription("the absolute path of a git "
          + "repository (its top directory) inside workmate.workspaces.allowed-roots")
      @NotBlank String repo,
      @JsonPropertyDescription("the branch, tag or commit to start from; default HEAD")
      @NotBlank String base,
      @JsonPropertyDescription("the new branch to work on; default workmate/<job-id>")
      @NotBlank String branch) {

    String baseOrHead() {
      return base != null ? base : "HEAD";
    }
  }

  /** {@code POST /v1/jobs/{id}/follow-up}. */
  record FollowUp(
      @JsonProperty(required = true) @JsonPropertyDescription("the text for the agent that owns "
          + "the branch, e.g. a reviewer's comments (not empty)") @NotBlank String prompt) {

    /** The source job's routing and policy, the service's defaults for the rest. */
    JobSpec toSpec(JobSpec source, Defaults defaults, Instant now) {
      return new JobSpec(prompt, source.agent(), source.capabilities(), source.priority(),
          defaults.maxAttempts(), defaults.timeoutSeconds(), null, null,
          source.approvalPolicy(), null, now);
    }
  }

  /** {@code POST /v1/jobs/{id}/merge}. */
  record Merge(
      @JsonProperty(required = true) @JsonPropertyDescription("the branch of the repository to "
          + "merge into") @NotBlank String into,
      @JsonPropertyDescription("merge (a fast-forward when possible, else a merge commit) or "
          + "squash (one commit on top of into); default merge")
      @OneOf(values = {"merge", "squash"}) String strategy) {}

  /** {@code POST /v1/approvals/{id}}. */
  record Decide(
      @JsonProperty(required = true) @JsonPropertyDescription("the reviewer's answer")
      @OneOf(values = {"accept", "decline", "cancel"}) String decision) {}

  /** {@code PUT /v1/mode}. */
  @Worded(Wording.REQUEST)
  record ChangeMode(
      @JsonProperty(required = true) @JsonPropertyDescription("the mode to request: auto, "
          + "local, remote or offline (Mode.parse refuses others as invalid_mode)")
      @Refusal("body must be {\"mode\": \"auto\"|\"local\"|\"remote\"|\"offline\"}")
      String mode) {}

  /** {@code POST /v1/messages}. */
  @Worded(Wording.REQUEST)
  record SendMessage(
      @JsonProperty(required = true) @JsonPropertyDescription("the message") @NotBlank
      @Refusal("\"prompt\" must be a non-empty string") String prompt,
      @JsonPropertyDescription("run on the gateway when it is online (default true)")
      @Refusal("\"preferOnline\" must be true or false") Boolean preferOnline) {}

  /** {@code POST /v1/admin/drain}; the body may be empty. */
  record Drain(
      @JsonPropertyDescription("why, for the log") String reason) {}

  /** {@code POST /v1/admin/test/stall-dispatcher}. */
  record Stall(
      @JsonProperty(required = true)
      @JsonPropertyDescription("how long the dispatcher's thread is blocked")
      @Range(min = 1, max = MAX_STALL_SECONDS) Integer seconds) {}

  /** {@code POST /v1/agents}: the registry checks presence and values, in its words. */
  @Worded(Wording.PLAIN)
  record RegisterAgent(
      @JsonProperty(required = true)
      @JsonPropertyDescription("1-64 of a-z 0-9 . _ -, starting with a letter or digit")
      String id,
      @JsonProperty(required = true) @JsonPropertyDescription("the backend the agent invokes")
      @OneOf(wireOf = AgentKind.class) String kind,
      @JsonPropertyDescription("capabilities (a-z 0-9 . _ : -)") List<String> capabilities,
      @JsonPropertyDescription("invocations at once (default 1)") @Range(min = 1, max = 1000)
      Integer maxConcurrent,
      @JsonPropertyDescription("starts in any 60 s window, 0 for no limit")
      @Range(min = 0, max = Integer.MAX_VALUE) Integer rateLimitPerMinute,
      @JsonPropertyDescription("http(s) URL; kind http only") String endpoint,
      @JsonPropertyDescription("model name for the backend") String model,
      @JsonPropertyDescription("working directory (codex)") String cwd,
      @JsonPropertyDescription("expiry without a heartbeat; 0 never (default 60 for "
          + "http/gateway, 0 otherwise)") @Range(min = 0, max = 86_400)
      @Refusal("\"ttlSeconds\" must be a whole number of seconds (0: never expires)")
      Long ttlSeconds) {

    AgentRegistration.Request toRequest() {
      return new AgentRegistration.Request(id, kind, capabilities, maxConcurrent,
          rateLimitPerMinute, endpoint, model, cwd, ttlSeconds);
    }
  }

  /** {@code POST /v1/agents/{id}/memory}: the agent's memory checks the values. */
  @Worded(Wording.PLAIN)
  record AppendMemory(
      @JsonProperty(required = true) @JsonPropertyDescription("what the entry is")
      @OneOf(values = {"note", "fact", "summary"}) String kind,
      @JsonProperty(required = true)
      @JsonPropertyDescription("the entry, at most 16 KiB of UTF-8") String text,
      @JsonPropertyDescription("tags ([A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}); at most 16")
      @Refusal("\"tags\" must be an array of strings") List<String> tags) {}
}
