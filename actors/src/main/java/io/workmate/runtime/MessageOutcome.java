package io.workmate.runtime;

import java.util.Optional;

/**
 * How a message sent through the runtime went.
 *
 * @param route where it finally ran
 * @param ok whether it produced a reply
 * @param text the reply
 * @param error why not, when not ok
 * @param note what happened on the way, e.g. "re-attached after reconnect" or "the gateway
 *     link dropped; re-ran on local Codex"
 */
public record MessageOutcome(Route route, boolean ok, String text, Optional<String> error,
    Optional<String> note) {

  public enum Route {
    /** An agent run on the local OpenClaw gateway. */
    GATEWAY_LOCAL,
    /** An agent run on the remote (cloud) gateway. */
    GATEWAY_REMOTE,
    /** A turn on a local Codex thread. */
    LOCAL_CODEX
  }
}
