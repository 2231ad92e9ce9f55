package io.workmate.codex;

import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How one Codex thread runs.
 *
 * @param model empty = the model in config.toml
 * @param turnWatchdog a turn that sends no event for this long (while not waiting for a
 *     reviewer) fails and is interrupted
 * @param drainTimeout after the watchdog fires, how long to wait for codex to confirm the end
 * @param maxQueuedTurns turns accepted while another runs; more are refused
 */
public record ThreadSettings(Path cwd, Optional<String> model, ApprovalPolicy approvalPolicy,
    SandboxMode sandbox, ApprovalHandling approvals, Duration turnWatchdog,
    Duration drainTimeout, int maxQueuedTurns) {

  public ThreadSettings {
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
        maxQueuedTurns);
  }

  public ThreadSettings withSandbox(SandboxMode mode) {
    return new ThreadSettings(cwd, model, approvalPolicy, mode, approvals, turnWatchdog,
        drainTimeout, maxQueuedTurns);
  }

  public ThreadSettings withApprovals(ApprovalHandling handling) {
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, handling, turnWatchdog,
        drainTimeout, maxQueuedTurns);
  }

  public ThreadSettings withTurnWatchdog(Duration watchdog) {
    return new ThreadSettings(cwd, model, approvalPolicy, sandbox, approvals, watchdog,
        drainTimeout, maxQueuedTurns);
  }

  public ThreadSettings withModel(String modelName) {
    return new ThreadSettings(cwd, Optional.of(modelName), approvalPolicy, sandbox, approvals,
        turnWatchdog, drainTimeout, maxQueuedTurns);
  }

  /** The same settings in another working directory (which must be absolute). */
  public ThreadSettings withCwd(Path directory) {
    return new ThreadSettings(directory, model, approvalPolicy,
        sandbox, approvals, turnWatchdog, drainTimeout, maxQueuedTurns);
  }
}
