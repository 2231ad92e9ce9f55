package io.workmate.gateway;

import io.workmate.support.Backoff;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One configured OpenClaw gateway.
 *
 * @param name {@code local} or {@code remote}: how logs, status and the API name it
 * @param url {@code ws://} or {@code wss://}
 * @param token the gateway's shared token; never logged
 * @param fingerprint for {@code wss://}: the SHA-256 of the server certificate (hex, colons
 *     optional); when set, only that certificate is accepted and host names are not checked
 * @param stateDir where the device identity and the device token issued by the gateway are kept
 * @param connectTimeout socket + handshake must finish within this
 * @param requestTimeout default for calls
 * @param runTimeout how long an {@code agent} run may take after it was accepted
 * @param reconnectBackoff delays between reconnect attempts
 */
public record GatewayEndpoint(String name, URI url, String token, Optional<String> fingerprint,
    Optional<Path> stateDir, Duration connectTimeout, Duration requestTimeout,
    Duration runTimeout, Backoff reconnectBackoff) {

  public GatewayEndpoint {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ws") && !scheme.equals("wss")) {
      throw new IllegalArgumentException(
          "gateway " + name + ": url must start with ws:// or wss://, got " + url);
    }
    if (url.getHost() == null) {
      throw new IllegalArgumentException("gateway " + name + ": url has no host: " + url);
    }
    if (fingerprint.isPresent() && !scheme.equals("wss")) {
      throw new IllegalArgumentException(
          "gateway " + name + ": a certificate fingerprint only makes sense with wss://");
    }
    fingerprint = fingerprint.map(GatewayEndpoint::normalizeFingerprint);
  }

  public static GatewayEndpoint of(String name, URI url, String token) {
    return new GatewayEndpoint(name, url, token, Optional.empty(), Optional.empty(),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10),
        new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5), 2.0, 0.2));
  }

  public GatewayEndpoint withFingerprint(String sha256) {
    return new GatewayEndpoint(name, url, token, Optional.of(sha256), stateDir, connectTimeout,
        requestTimeout, runTimeout, reconnectBackoff);
  }

  public GatewayEndpoint withStateDir(Path dir) {
    return new GatewayEndpoint(name, url, token, fingerprint, Optional.of(dir), connectTimeout,
        requestTimeout, runTimeout, reconnectBackoff);
  }

  public GatewayEndpoint withReconnectBackoff(Backoff backoff) {
    return new GatewayEndpoint(name, url, token, fingerprint, stateDir, connectTimeout,
        requestTimeout, runTimeout, backoff);
  }

  public GatewayEndpoint withRequestTimeout(Duration timeout) {
    return new GatewayEndpoint(name, url, token, fingerprint, stateDir, connectTimeout, timeout,
        runTimeout, reconnectBackoff);
  }

  public boolean secure() {
    return "wss".equalsIgnoreCase(url.getScheme());
  }

  /** Lower-case hex without separators. */
  static String normalizeFingerprint(String fingerprint) {
    String hex = fingerprint.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "a certificate fingerprint is 64 hex digits (SHA-256), got '" + fingerprint + "'");
    }
    return hex;
  }

  /** The token stays out of logs. */
  @Override
  public String toString() {
    return "GatewayEndpoint[" + name + " " + url + (fingerprint.isPresent() ? " pinned" : "")
        + "]";
  }
}
