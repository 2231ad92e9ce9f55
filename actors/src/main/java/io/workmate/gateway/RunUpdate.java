package io.workmate.gateway;

import io.workmate.protocol.openclaw.GatewayError;
import io.workmate.protocol.openclaw.RunEvent;

/** What the caller of an {@code agent} run hears, in order. */
public sealed interface RunUpdate {

  /** The gateway took the run. */
  record Accepted(String runId) implements RunUpdate {}

  /** A streamed event of the run (status, deltas). */
  record Progress(String runId, RunEvent event) implements RunUpdate {}

  /** The run ended: {@code ok} with its reply text, or not with the reason. */
  record Finished(String runId, boolean ok, String text, String error) implements RunUpdate {}

  /** The gateway refused the run. */
  record Rejected(GatewayError error) implements RunUpdate {}

  /**
   * The link dropped while the run was in flight; the run may live on in the gateway
   * ({@code agent.wait} finds out after a reconnect).
   */
  record LinkLost(String runId, String reason) implements RunUpdate {}
}
