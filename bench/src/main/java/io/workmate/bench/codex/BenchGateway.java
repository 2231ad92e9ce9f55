package io.workmate.bench.codex;

import java.util.Map;

/** The gateway settings every variant shares: codex reads the key from this variable. */
final class BenchGateway {

  static final String KEY_VARIABLE = "WORKMATE_AI_GATEWAY_KEY";

  private BenchGateway() {}

  /** The scripted provider accepts any key; a fixed one keeps every variant's env identical. */
  static Map<String, String> secrets() {
    return Map.of(KEY_VARIABLE, "bench-key");
  }
}
