package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * The payload of the successful {@code connect} answer ({@code type: "hello-ok"}), read
 * leniently: the real one is ~16 KB with many members Workmate does not need. The {@code snapshot}
 * stays a tree; {@link #mainSessionKey()} reads the one value from it Workmate uses.
 */
public record HelloOk(String type, Integer protocol, Server server, Features features,
    JsonNode snapshot, Auth auth, Policy policy) {

  public static final String TYPE = "hello-ok";

  public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofSeconds(30);

  public record Server(String version, String buildId, String connId) {}

  /** Discovery lists: the docs call them incomplete, so absence is a hint, not a proof. */
  public record Features(List<String> methods, List<String> events) {}

  /** What the gateway granted; {@code deviceToken} only after a paired device connect. */
  public record Auth(String method, String role, List<String> scopes, String deviceToken) {}

  /** Frame and buffer limits in bytes, and the tick period. */
  public record Policy(Long maxPayload, Long maxBufferedBytes, Long tickIntervalMs) {}

  public boolean offersMethod(String method) {
    return features != null && features.methods() != null && features.methods().contains(method);
  }

  public Duration tickInterval() {
    Long millis = policy == null ? null : policy.tickIntervalMs();
    return millis == null || millis <= 0 ? DEFAULT_TICK_INTERVAL : Duration.ofMillis(millis);
  }

  /** {@code snapshot.sessionDefaults.mainSessionKey}, e.g. {@code agent:main:main}; or null. */
  public String mainSessionKey() {
    if (snapshot == null) {
      return null;
    }
    JsonNode key = snapshot.path("sessionDefaults").path("mainSessionKey");
    return key.isTextual() ? key.asText() : null;
  }
}
