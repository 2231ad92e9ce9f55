package io.workmate.codex;

import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How one Codex thread runs.
 *
 * @param model empty = the model in config.toml
 * @param turnWatchdog a turn that sends no event for this long (while not waiting for a
 *     reviewer) fails and is interrupted
 * @param drainTimeout after the watchdog fires, how long to wait for codex to confirm the end
 * @param maxQueuedTurns turns accepted while another runs; more are refused
 * @param commandEnvironment variables codex sets for every command of this thread (through the
 *     thread's {@code shell_environment_policy.set} override), e.g. the invocation's marker
 * @param agent the Workmate agent the thread works for: an agent with command limits gets
 *     app-server processes of its own (see {@link CodexPool})
 */
public record ThreadSettings(Path cwd, Optional<String> model, ApprovalPolicy approvalPolicy,
    SandboxMode sandbox, ApprovalHandling approvals, Duration turnWatchdog,
    Duration drainTimeout, int maxQueuedTurns, Map<String, String> commandEnvironment,
    Optional<String> agent) {

  public ThreadSettings(Path cwd, Optional<String> model, ApprovalPolicy approvalPolicy,
      SandboxMode sandbox, ApprovalHandling approvals, Duration turnWatchdog,
      Duration drainTimeout, int maxQueuedTurns) {
    this(cwd, model, approvalPolicy, sandbox, approvals, turnWatchdog, drainTimeout,
        maxQueuedTurns, Map.of(), Optional.empty());
  }

  public ThreadSettings {
    commandEnvironment = Map.copyOf(commandEnvironment);
    if (!cwd.isAbsolute()) {
      throw new IllegalArgumentException("thread cwd must be absolute, got " + cwd);
    }
    if (turnWatchdog.isNegative() || turnWatchdog.isZero()) {
      throw new IllegalArgumentException("turn watchdog must be positive, got " + turnWatchdog);
    }
    if (maxQueuedTurns < 0) {
      throw new IllegalArgumentException("maxQueuedTurns must be >= 0, got " + maxQueuedTurns);
    }
  }

  public static ThreadSettings defaults(Path cwd) {
    return new ThreadSettings(cwd.toAbsolutePath().normalize(), Optional.empty(),
        ApprovalPolicy.ON_REQUEST, SandboxMode.WORKSPACE_WRITE,
        ApprovalHandling.ask(Duration.ofMinutes(10), io.workmate.protocol.codex.ApprovalDecision.DECLINE),
        Duration.ofMinutes(5), Duration.ofSeconds(10), 100);
  }

  public ThreadSettings withApprovalPolicy(ApprovalPolicy policy) {
    return new ThreadSettings(cwd, model, policy, sandbox, approvals, turnWatchdog, drainTimeout,
        maxQueuedTurns, commandEnvironment, agent);
  }

  public ThreadSettings withSandbox(SandboxMode mode) {
    return new ThreadSettings(cwd, model, approvalPolicy, mode, approvals, turnWatchdog,
        drainTimeout, maxQueuedTurns, commandEnvironment, agent);
  }

  public ThreadSettings withApprovals(ApprovalHandling handling) {
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, handling, turnWatchdog,
        drainTimeout, maxQueuedTurns, commandEnvironment, agent);
  }

  public ThreadSettings withTurnWatchdog(Duration watchdog) {
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, approvals, watchdog,
        drainTimeout, maxQueuedTurns, commandEnvironment, agent);
  }

  public ThreadSettings withModel(String modelName) {
    return new ThreadSettings(cwd, Optional.of(modelName), approvalPolicy, sandbox, approvals,
        turnWatchdog, drainTimeout, maxQueuedTurns, commandEnvironment, agent);
  }

  /** The same settings in another working directory (which must be absolute). */
  public ThreadSettings withCwd(Path directory) {
    return new ThreadSettings(directory, model, approvalPolicy,
        sandbox, approvals, turnWatchdog, drainTimeout, maxQueuedTurns, commandEnvironment, agent);
  }

  /** The same settings with one more variable for every command (replacing one of that name). */
  public ThreadSettings withCommandVariable(String name, String value) {
    Map<String, String> variables = new java.util.LinkedHashMap<>(commandEnvironment);
    variables.put(name, value);
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, approvals, turnWatchdog,
        drainTimeout, maxQueuedTurns, variables, agent);
  }

  /** The same settings for the threads of one Workmate agent. */
  public ThreadSettings forAgent(String agentId) {
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, approvals, turnWatchdog,
        drainTimeout, maxQueuedTurns, commandEnvironment, Optional.of(agentId));
  }

  /**
   * The {@code config} overrides of {@code thread/start}, or null for none. Codex applies
   * {@code shell_environment_policy.set} to every command of the thread, also after its shell
   * snapshot (checked with codex 0.169.0: the variable is in the environ of a {@code setsid}
   * child of a command).
   */
  public Map<String, Object> configOverrides() {
    if (commandEnvironment.isEmpty()) {
      return null;
    }
    return Map.of("shell_environment_policy", Map.of("set", commandEnvironment));
  }
}
