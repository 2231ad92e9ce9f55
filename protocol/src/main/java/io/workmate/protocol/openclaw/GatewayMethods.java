package io.workmate.protocol.openclaw;

/**
 * Gateway method names Workmate uses, exactly as on the wire. {@code hello-ok.features.methods}
 * lists what a gateway offers (466 on 2026.9.6); {@code connect} is only valid as the first frame.
 */
public final class GatewayMethods {

  public static final String CONNECT = "connect";

  // system
  public static final String HEALTH = "health";
  public static final String STATUS = "status";

  // agent runs
  /** Answers twice with the same id: {@code accepted}, then the final result. */
  public static final String AGENT = "agent";
  public static final String AGENT_WAIT = "agent.wait";
  public static final String AGENT_IDENTITY_GET = "agent.identity.get";
  public static final String AGENTS_LIST = "agents.list";

  // agent workspace files (AGENTS.md, MEMORY.md, ...), compare-and-set by content hash
  public static final String AGENTS_FILES_LIST = "agents.files.list";
  public static final String AGENTS_FILES_GET = "agents.files.get";
  public static final String AGENTS_FILES_SET = "agents.files.set";

  // chat on a session
  public static final String CHAT_SEND = "chat.send";
  public static final String CHAT_ABORT = "chat.abort";
  public static final String CHAT_HISTORY = "chat.history";

  // sessions
  public static final String SESSIONS_LIST = "sessions.list";
  public static final String SESSIONS_SUBSCRIBE = "sessions.subscribe";
  public static final String SESSIONS_MESSAGES_SUBSCRIBE = "sessions.messages.subscribe";

  public static final String MODELS_LIST = "models.list";

  private GatewayMethods() {}
}
