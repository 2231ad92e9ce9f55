package io.workmate.codex;

import io.workmate.protocol.codex.ApprovalDecision;
import java.time.Duration;

/**
 * How Workmate answers codex's approval requests for a thread: by policy at once, or held for a
 * reviewer (a person, through the CLI or the HTTP API) until a deadline, after which the default
 * decision applies. Which actions need approval at all is codex's {@code approval_policy}.
 */
public record ApprovalHandling(Mode mode, Duration timeout, ApprovalDecision onTimeout) {

  public enum Mode {
    /** Hold the request for a reviewer; apply {@code onTimeout} when the deadline passes. */
    ASK,
    /** Accept every request at once. */
    ACCEPT,
    /** Decline every request at once; the turn goes on without the action. */
    DECLINE
  }

  public ApprovalHandling {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("approval timeout must be positive, got " + timeout);
    }
  }

  public static ApprovalHandling ask(Duration timeout, ApprovalDecision onTimeout) {
    return new ApprovalHandling(Mode.ASK, timeout, onTimeout);
  }

  public static ApprovalHandling acceptAll() {
    return new ApprovalHandling(Mode.ACCEPT, Duration.ofMinutes(5), ApprovalDecision.DECLINE);
  }

  public static ApprovalHandling declineAll() {
    return new ApprovalHandling(Mode.DECLINE, Duration.ofMinutes(5), ApprovalDecision.DECLINE);
  }
}
