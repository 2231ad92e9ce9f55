package io.workmate.runtime;

import io.workmate.codex.ThreadSettings;
import io.workmate.gateway.GatewayEndpoint;
import java.time.Duration;
import java.util.Optional;

/**
 * How the runtime supervisor behaves.
 *
 * @param requested the mode at start
 * @param local the gateway on this machine, if any
 * @param remote the cloud gateway, if any
 * @param stableFor how long a link must be up before the runtime moves onto it
 * @param maxStableFor the cap of that time for a flapping link (it doubles per flap)
 * @param flapWindow a drop within this long after coming up counts as a flap
 * @param agentId the gateway agent that runs messages
 * @param reattachWindow how long an in-flight gateway run waits for its link to return before
 *     it is re-run locally
 * @param localThread how local Codex threads for messages run
 */
public record RuntimeSettings(Mode requested, Optional<GatewayEndpoint> local,
    Optional<GatewayEndpoint> remote, Duration stableFor, Duration maxStableFor,
    Duration flapWindow, String agentId, Duration reattachWindow, ThreadSettings localThread) {

  public static RuntimeSettings of(Mode requested, Optional<GatewayEndpoint> local,
      Optional<GatewayEndpoint> remote, ThreadSettings localThread) {
    return new RuntimeSettings(requested, local, remote, Duration.ofSeconds(3),
        Duration.ofSeconds(60), Duration.ofSeconds(30), "main", Duration.ofSeconds(10),
        localThread);
  }

  public RuntimeSettings withStability(Duration base, Duration max, Duration window) {
    return new RuntimeSettings(requested, local, remote, base, max, window, agentId,
        reattachWindow, localThread);
  }

  public RuntimeSettings withReattachWindow(Duration window) {
    return new RuntimeSettings(requested, local, remote, stableFor, maxStableFor, flapWindow,
        agentId, window, localThread);
  }
}
