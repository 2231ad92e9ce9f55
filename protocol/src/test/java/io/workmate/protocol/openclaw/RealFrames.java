package io.workmate.protocol.openclaw;

/**
 * Single frames for focused tests. The first group is copied verbatim from the transcripts (the
 * {@code frame} member of one line; see {@link OpenClawTranscripts}); the second group is not in
 * any transcript and is built from the shapes quoted in {@code openclaw-gateway.md}.
 */
final class RealFrames {

  // ---- copied from shared/reference/transcripts/openclaw/*.jsonl ----

  /**
   * The gateway speaks first, before any request. From
   * handshake-backend-gateway-client-no-device.jsonl.
   */
  static final String CHALLENGE =
      "{\"type\":\"event\",\"event\":\"connect.challenge\","
          + "\"payload\":{\"nonce\":\"81012ee0-a654-4903-a09f-ec9e2f27277b\","
          + "\"ts\":1795275547613,\"capabilities\":[\"model-catalog-snapshot\"]}}";

  /**
   * The probe client's connect: Workmate's defaults plus locale/userAgent. From
   * handshake-backend-gateway-client-no-device.jsonl.
   */
  static final String CONNECT_REQUEST =
      "{\"type\":\"req\",\"id\":\"r1\",\"method\":\"connect\","
          + "\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
          + "\"client\":{\"id\":\"gateway-client\",\"version\":\"0.0.1-probe\","
          + "\"platform\":\"linux\",\"mode\":\"backend\"},\"role\":\"operator\","
          + "\"scopes\":[\"operator.read\",\"operator.write\",\"operator.admin\"],\"caps\":[],"
          + "\"auth\":{\"token\":\"probe-token-0123456789abcdef\"},\"locale\":\"en-US\","
          + "\"userAgent\":\"probe/0.0.1\"}}";

  /**
   * Wrong shared token; the gateway closes with 1008 after it. From
   * handshake-bad-token-backend.jsonl.
   */
  static final String BAD_TOKEN_RESPONSE =
      "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,"
          + "\"error\":{\"code\":\"INVALID_REQUEST\","
          + "\"message\":\"unauthorized: gateway token mismatch (provide gateway auth token)\","
          + "\"details\":{\"code\":\"AUTH_TOKEN_MISMATCH\",\"authReason\":\"token_mismatch\","
          + "\"canRetryWithDeviceToken\":false,"
          + "\"recommendedNextStep\":\"update_auth_credentials\"}}}";

  /**
   * Neither token nor device; the gateway closes with 1008 after it. From
   * handshake-no-token-backend.jsonl.
   */
  static final String NO_TOKEN_RESPONSE =
      "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,\"error\":{\"code\":\"NOT_PAIRED\","
          + "\"message\":\"device identity required\","
          + "\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}}}";

  /** From abort.jsonl. */
  static final String TICK =
      "{\"type\":\"event\",\"event\":\"tick\",\"payload\":{\"ts\":1795276591247},"
          + "\"seq\":6}";

  /** SIGTERM: no restartExpectedMs, so the stop is final. From shutdown.jsonl. */
  static final String SHUTDOWN =
      "{\"type\":\"event\",\"event\":\"shutdown\","
          + "\"payload\":{\"reason\":\"gateway stopping\"},\"seq\":2}";

  /** From chat-mock.jsonl. */
  static final String CHAT_SEND_REQUEST =
      "{\"type\":\"req\",\"id\":\"r4\",\"method\":\"chat.send\","
          + "\"params\":{\"sessionKey\":\"agent:main:main\","
          + "\"message\":\"Say hello to the orchestrator\","
          + "\"idempotencyKey\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\"}}";

  /** runId equals the idempotencyKey. From chat-mock.jsonl. */
  static final String CHAT_SEND_ACK =
      "{\"type\":\"res\",\"id\":\"r4\",\"ok\":true,"
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"status\":\"started\"}}";

  /** From chat-mock.jsonl. */
  static final String CHAT_STATUS =
      "{\"type\":\"event\",\"event\":\"chat\","
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionKey\":\"agent:main:main\",\"agentId\":\"main\",\"seq\":1,"
          + "\"state\":\"status\",\"phase\":\"preparing_workspace\"},\"seq\":5}";

  /** From chat-mock.jsonl. */
  static final String AGENT_ASSISTANT =
      "{\"type\":\"event\",\"event\":\"agent\","
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"stream\":\"assistant\",\"data\":{\"text\":\"MOCK-REPLY #\","
          + "\"delta\":\"MOCK-REPLY #\",\"itemId\":\"8f213dea-99bd-48c1-a81a-f3f02727f6be:1\"},"
          + "\"sessionKey\":\"agent:main:main\",\"agentId\":\"main\",\"seq\":6,"
          + "\"ts\":1795275812191,\"isHeartbeat\":false},\"seq\":16}";

  /** From chat-mock.jsonl. */
  static final String CHAT_DELTA =
      "{\"type\":\"event\",\"event\":\"chat\","
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionKey\":\"agent:main:main\",\"agentId\":\"main\",\"seq\":6,"
          + "\"state\":\"delta\",\"deltaText\":\"MOCK-REPLY #\","
          + "\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
          + "\"text\":\"MOCK-REPLY #\"}],\"timestamp\":1795275812209}},\"seq\":17}";

  /** From chat-mock.jsonl. */
  static final String AGENT_LIFECYCLE_END =
      "{\"type\":\"event\",\"event\":\"agent\","
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionKey\":\"agent:main:main\",\"stream\":\"lifecycle\","
          + "\"data\":{\"stopReason\":\"stop\",\"aborted\":false,\"livenessState\":\"working\","
          + "\"phase\":\"end\",\"endedAt\":1795275812516,\"startedAt\":1795275811535,"
          + "\"replayInvalid\":false,\"terminalReply\":{\"disposition\":\"visible\","
          + "\"text\":\"MOCK-REPLY #2: <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> Conversation data (dat\"},"
          + "\"terminalReceipt\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionId\":\"6c8ca7e9-da8e-4d58-a882-82ec9ad6aeb1\","
          + "\"turnId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"requested\":{\"provider\":\"mock\",\"model\":\"mock-model\"},"
          + "\"effective\":{\"provider\":\"mock\",\"model\":\"mock-model\","
          + "\"responseModel\":\"mock-model\"},\"successfulToolNames\":[],\"rerouted\":false,"
          + "\"terminalDisposition\":\"visible\"},\"executionSettled\":true},"
          + "\"sessionId\":\"6c8ca7e9-da8e-4d58-a882-82ec9ad6aeb1\",\"agentId\":\"main\","
          + "\"seq\":16,\"ts\":1795275812517,\"isHeartbeat\":false},\"seq\":24}";

  /** From chat-mock.jsonl. */
  static final String CHAT_FINAL =
      "{\"type\":\"event\",\"event\":\"chat\","
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionKey\":\"agent:main:main\",\"agentId\":\"main\",\"seq\":16,"
          + "\"state\":\"final\",\"stopReason\":\"stop\",\"message\":{\"role\":\"assistant\","
          + "\"content\":[{\"type\":\"text\","
          + "\"text\":\"MOCK-REPLY #2: <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> Conversation data (dat\"}],"
          + "\"timestamp\":1795275812531}},\"seq\":25}";

  /** From chat-mock.jsonl. */
  static final String AGENT_WAIT_REQUEST =
      "{\"type\":\"req\",\"id\":\"r5\",\"method\":\"agent.wait\","
          + "\"params\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"timeoutMs\":30000}}";

  /** From chat-mock.jsonl. */
  static final String AGENT_WAIT_OK =
      "{\"type\":\"res\",\"id\":\"r5\",\"ok\":true,"
          + "\"payload\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\",\"status\":\"ok\","
          + "\"endedAt\":1795275812633,"
          + "\"terminalReceipt\":{\"runId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"sessionId\":\"6c8ca7e9-da8e-4d58-a882-82ec9ad6aeb1\","
          + "\"turnId\":\"66a112e9-7905-419e-a8a5-3a0cc2e19096\","
          + "\"requested\":{\"provider\":\"mock\",\"model\":\"mock-model\"},"
          + "\"effective\":{\"provider\":\"mock\",\"model\":\"mock-model\","
          + "\"responseModel\":\"mock-model\"},\"successfulToolNames\":[],\"rerouted\":false,"
          + "\"terminalDisposition\":\"visible\"},"
          + "\"terminalReply\":{\"disposition\":\"visible\","
          + "\"text\":\"MOCK-REPLY #2: <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> Conversation data (dat\"}}}";

  /** From abort.jsonl. */
  static final String CHAT_ABORTED =
      "{\"type\":\"event\",\"event\":\"chat\","
          + "\"payload\":{\"runId\":\"978a487e-2bcd-4848-bcde-746e79fd745d\","
          + "\"sessionKey\":\"agent:main:abort-1795276584062\",\"agentId\":\"main\",\"seq\":7,"
          + "\"state\":\"aborted\",\"stopReason\":\"rpc\",\"message\":{\"role\":\"assistant\","
          + "\"content\":[{\"type\":\"text\",\"text\":\"tick00\"}],"
          + "\"timestamp\":1795276593414}},\"seq\":13}";

  /** From abort.jsonl. */
  static final String AGENT_LIFECYCLE_END_ABORTED =
      "{\"type\":\"event\",\"event\":\"agent\","
          + "\"payload\":{\"runId\":\"978a487e-2bcd-4848-bcde-746e79fd745d\","
          + "\"sessionKey\":\"agent:main:abort-1795276584062\","
          + "\"sessionId\":\"311ee5a5-0d9d-4837-ac7c-b4700db617f6\",\"agentId\":\"main\","
          + "\"stream\":\"lifecycle\",\"data\":{\"phase\":\"end\",\"status\":\"cancelled\","
          + "\"aborted\":true,\"stopReason\":\"rpc\",\"startedAt\":1795276584068,"
          + "\"endedAt\":1795276593414},\"seq\":7,\"ts\":1795276593415,\"isHeartbeat\":false},"
          + "\"seq\":14}";

  /** Arrives after the end: not terminal. From abort.jsonl. */
  static final String AGENT_LIFECYCLE_MODEL_AFTER_END =
      "{\"type\":\"event\",\"event\":\"agent\","
          + "\"payload\":{\"runId\":\"978a487e-2bcd-4848-bcde-746e79fd745d\","
          + "\"sessionKey\":\"agent:main:abort-1795276584062\","
          + "\"sessionId\":\"311ee5a5-0d9d-4837-ac7c-b4700db617f6\",\"agentId\":\"main\","
          + "\"stream\":\"lifecycle\",\"data\":{\"phase\":\"model\",\"provider\":\"mock\","
          + "\"model\":\"mock-model\"},\"seq\":8,\"ts\":1795276593444,\"isHeartbeat\":false},"
          + "\"seq\":15}";

  /** A second terminal event for the same run. From abort.jsonl. */
  static final String AGENT_LIFECYCLE_ERROR_ABORTED =
      "{\"type\":\"event\",\"event\":\"agent\","
          + "\"payload\":{\"runId\":\"978a487e-2bcd-4848-bcde-746e79fd745d\","
          + "\"sessionKey\":\"agent:main:abort-1795276584062\",\"stream\":\"lifecycle\","
          + "\"data\":{\"phase\":\"error\",\"endedAt\":1795276593509,"
          + "\"startedAt\":1795276592826,\"error\":\"This operation was aborted\","
          + "\"aborted\":true,\"stopReason\":\"aborted\",\"executionSettled\":true},"
          + "\"sessionId\":\"311ee5a5-0d9d-4837-ac7c-b4700db617f6\",\"agentId\":\"main\","
          + "\"seq\":10,\"ts\":1795276593509,\"isHeartbeat\":false},\"seq\":17}";

  /** From abort.jsonl. */
  static final String AGENT_WAIT_ABORTED =
      "{\"type\":\"res\",\"id\":\"r4\",\"ok\":true,"
          + "\"payload\":{\"runId\":\"978a487e-2bcd-4848-bcde-746e79fd745d\","
          + "\"status\":\"error\",\"endedAt\":1795276593407,\"error\":\"aborted\","
          + "\"stopReason\":\"rpc\"}}";

  // ---- documented in openclaw-gateway.md §3/§4, not in a transcript ----

  /** §3: connect while startup sidecars are pending; the socket closes after it (1013). */
  static final String STARTUP_UNAVAILABLE =
      "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,\"error\":{\"code\":\"UNAVAILABLE\","
          + "\"message\":\"gateway starting; retry shortly\",\"retryable\":true,"
          + "\"retryAfterMs\":500,\"details\":{\"reason\":\"startup-sidecars\"}}}";

  /** §3: a read-only connection calling chat.send. */
  static final String MISSING_SCOPE =
      "{\"type\":\"res\",\"id\":\"r2\",\"ok\":false,\"error\":{\"code\":\"FORBIDDEN\","
          + "\"message\":\"missing scope: operator.write\",\"details\":{\"code\":\"MISSING_SCOPE\","
          + "\"missingScope\":\"operator.write\",\"requiredScopes\":[\"operator.write\"]}}}";

  /** §3: minProtocol=maxProtocol=3; the socket closes with 1002 after it. */
  static final String PROTOCOL_MISMATCH =
      "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,\"error\":{\"code\":\"PROTOCOL_MISMATCH\","
          + "\"message\":\"protocol mismatch\",\"details\":{\"expectedProtocol\":4}}}";

  /** §4: the first of the two answers to one agent request. */
  static final String AGENT_ACCEPTED =
      "{\"type\":\"res\",\"id\":\"r7\",\"ok\":true,\"payload\":{\"status\":\"accepted\","
          + "\"runId\":\"0c5e2a14-6a1f-4c36-9d0b-2f8e4d7b9a11\",\"acceptedAt\":1795275900000}}";

  /** §4: the second answer, same id. */
  static final String AGENT_FINAL_OK =
      "{\"type\":\"res\",\"id\":\"r7\",\"ok\":true,\"payload\":{"
          + "\"runId\":\"0c5e2a14-6a1f-4c36-9d0b-2f8e4d7b9a11\",\"status\":\"ok\","
          + "\"summary\":\"completed\",\"result\":{\"payloads\":[{\"text\":\"MOCK-REPLY #3\"}],"
          + "\"meta\":{\"durationMs\":512}}}}";

  /** §3: chat.send with a model that has no credentials ends like this (~13 s later). */
  static final String CHAT_ERROR =
      "{\"type\":\"event\",\"event\":\"chat\",\"payload\":{"
          + "\"runId\":\"bc69657e-fe07-42a8-b190-b16518330d18\",\"sessionKey\":\"agent:main:main\","
          + "\"agentId\":\"main\",\"seq\":5,\"state\":\"error\",\"errorMessage\":"
          + "\"No route-compatible authentication source is configured for openai.\"},\"seq\":9}";

  private RealFrames() {}
}
