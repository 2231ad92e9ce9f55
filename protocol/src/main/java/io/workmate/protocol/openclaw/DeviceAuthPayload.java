package io.workmate.protocol.openclaw;

import java.util.List;
import java.util.Objects;

/**
 * The text a device signs at connect, version 3: {@code v3|deviceId|clientId|clientMode|role|}
 * {@code scopes csv|signedAt|token or ""|nonce|platform|deviceFamily}.
 * The gateway rebuilds it from the connect params and verifies the signature over it, so every
 * field must equal what is sent; platform and deviceFamily are trimmed and ASCII-lowercased
 * (the gateway's own normalisation, which leaves non-ASCII letters alone).
 */
public final class DeviceAuthPayload {

  public static final String VERSION = "v3";

  public static String v3(String deviceId, String clientId, String clientMode, String role,
      List<String> scopes, long signedAtMs, String token, String nonce, String platform,
      String deviceFamily) {
    return String.join("|",
        VERSION,
        Objects.requireNonNull(deviceId, "deviceId"),
        Objects.requireNonNull(clientId, "clientId"),
        Objects.requireNonNull(clientMode, "clientMode"),
        Objects.requireNonNull(role, "role"),
        String.join(",", scopes),
        Long.toString(signedAtMs),
        token == null ? "" : token,
        Objects.requireNonNull(nonce, "nonce"),
        normalizeMetadata(platform),
        normalizeMetadata(deviceFamily));
  }

  static String normalizeMetadata(String value) {
    if (value == null) {
      return "";
    }
    String trimmed = value.trim();
    StringBuilder lower = new StringBuilder(trimmed.length());
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      lower.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return lower.toString();
  }

  private DeviceAuthPayload() {}
}
