package io.workmate.protocol.openclaw;

/** Gateway event names Workmate reads, exactly as on the wire. */
public final class GatewayEvents {

  /** The gateway's first frame, without {@code seq}: nonce and timestamp to sign. */
  public static final String CONNECT_CHALLENGE = "connect.challenge";

  /** Every {@code policy.tickIntervalMs} (30 s); silence for two intervals means a dead link. */
  public static final String TICK = "tick";
  public static final String HEALTH = "health";

  /** The gateway is stopping; the socket closes with 1012 right after. */
  public static final String SHUTDOWN = "shutdown";

  /** Run progress, broadcast to every operator connection: filter by runId. */
  public static final String AGENT = "agent";
  public static final String CHAT = "chat";

  // only after sessions.subscribe / sessions.messages.subscribe
  public static final String SESSIONS_CHANGED = "sessions.changed";
  public static final String SESSION_MESSAGE = "session.message";

  private GatewayEvents() {}
}
