package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a job asks for, as submitted; it never changes afterwards. Optional fields are
 * {@code null} when absent.
 *
 * @param prompt the text for the agent
 * @param agent the agent to run it on, or null to route by {@code capabilities}
 * @param capabilities what the agent must offer (empty: any agent)
 * @param priority higher runs first
 * @param maxAttempts attempts before the job is dead-lettered (at least 1)
 * @param timeoutSeconds limit of one attempt (at least 1)
 * @param deadline when the whole job must be done, or null
 * @param cwd the working directory for the agent, or null for its default
 * @param approvalPolicy codex approval policy ({@code never}, {@code on-request}, ...), or null
 * @param idempotencyKey the caller's key ({@link JobIds#forIdempotencyKey}), or null
 * @param createdAt when it was submitted
 * @param workspace the git worktree the job works in, or null (journals from before it have
 *     none)
 */
public record JobSpec(
    String prompt,
    String agent,
    List<String> capabilities,
    int priority,
    int maxAttempts,
    int timeoutSeconds,
    Instant deadline,
    String cwd,
    String approvalPolicy,
    String idempotencyKey,
    Instant createdAt,
    WorkspaceSpec workspace) implements CborSerializable {

  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final int DEFAULT_TIMEOUT_SECONDS = 600;

  public JobSpec {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(createdAt, "createdAt");
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException("timeoutSeconds must be at least 1, not " + timeoutSeconds);
    }
  }

  /** Without a workspace. */
  public JobSpec(String prompt, String agent, List<String> capabilities, int priority,
      int maxAttempts, int timeoutSeconds, Instant deadline, String cwd, String approvalPolicy,
      String idempotencyKey, Instant createdAt) {
    this(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds, deadline, cwd,
        approvalPolicy, idempotencyKey, createdAt, null);
  }

  /** A spec with every default: any agent, priority 0, 3 attempts of at most 600 s each. */
  public static JobSpec of(String prompt, Instant createdAt) {
    return new JobSpec(prompt, null, List.of(), 0, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS,
        null, null, null, null, createdAt);
  }

  public JobSpec withAgent(String newAgent) {
    return new JobSpec(prompt, newAgent, capabilities, priority, maxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withCapabilities(List<String> newCapabilities) {
    return new JobSpec(prompt, agent, newCapabilities, priority, maxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withPriority(int newPriority) {
    return new JobSpec(prompt, agent, capabilities, newPriority, maxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withMaxAttempts(int newMaxAttempts) {
    return new JobSpec(prompt, agent, capabilities, priority, newMaxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withTimeoutSeconds(int newTimeoutSeconds) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, newTimeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withDeadline(Instant newDeadline) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds,
        newDeadline, cwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withCwd(String newCwd) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds,
        deadline, newCwd, approvalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withApprovalPolicy(String newApprovalPolicy) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds,
        deadline, cwd, newApprovalPolicy, idempotencyKey, createdAt, workspace);
  }

  public JobSpec withIdempotencyKey(String newIdempotencyKey) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, newIdempotencyKey, createdAt, workspace);
  }

  public JobSpec withWorkspace(WorkspaceSpec newWorkspace) {
    return new JobSpec(prompt, agent, capabilities, priority, maxAttempts, timeoutSeconds,
        deadline, cwd, approvalPolicy, idempotencyKey, createdAt, newWorkspace);
  }
}
