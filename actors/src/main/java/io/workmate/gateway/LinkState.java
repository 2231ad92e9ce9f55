package io.workmate.gateway;

/** The health of one gateway connection, as it reports it to the runtime supervisor. */
public enum LinkState {
  /** Opening the socket or handshaking. */
  CONNECTING,
  /** Handshake done, frames flowing. */
  CONNECTED,
  /** Connected, but something is off (missed events, late ticks); still usable. */
  DEGRADED,
  /** Not connected; reconnecting with backoff. */
  DOWN,
  /** Not connected and not retrying: the credentials must change first (e.g. a wrong token). */
  FAILED;

  public boolean usable() {
    return this == CONNECTED || this == DEGRADED;
  }
}
