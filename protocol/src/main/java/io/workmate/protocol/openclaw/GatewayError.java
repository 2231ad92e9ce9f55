package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code error} of a failed response. {@code code} is coarse ({@code INVALID_REQUEST} covers
 * both a bad parameter and a wrong token); {@code details.code} says what actually happened.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GatewayError(String code, String message, JsonNode details, Boolean retryable,
    Long retryAfterMs) {

  public static final String INVALID_REQUEST = "INVALID_REQUEST";
  public static final String NOT_PAIRED = "NOT_PAIRED";
  public static final String UNAVAILABLE = "UNAVAILABLE";
  public static final String FORBIDDEN = "FORBIDDEN";
  public static final String PROTOCOL_MISMATCH = "PROTOCOL_MISMATCH";
  public static final String AGENT_TIMEOUT = "AGENT_TIMEOUT";

  /**
   * {@code details.code} values after which reconnecting with the same credentials fails again:
   * the token, password, pairing or device key has to change first. Left out on purpose:
   * {@code AUTH_RATE_LIMITED} (waiting helps) and {@code DEVICE_AUTH_SIGNATURE_EXPIRED} /
   * {@code DEVICE_AUTH_NONCE_*} (a fresh challenge and signature help).
   */
  private static final Set<String> CREDENTIAL_DETAIL_CODES = Set.of(
      "AUTH_REQUIRED", "AUTH_UNAUTHORIZED",
      "AUTH_TOKEN_MISSING", "AUTH_TOKEN_MISMATCH", "AUTH_TOKEN_NOT_CONFIGURED",
      "AUTH_PASSWORD_MISSING", "AUTH_PASSWORD_MISMATCH", "AUTH_PASSWORD_NOT_CONFIGURED",
      "AUTH_BOOTSTRAP_TOKEN_INVALID", "AUTH_DEVICE_TOKEN_MISMATCH", "AUTH_SCOPE_MISMATCH",
      "DEVICE_IDENTITY_REQUIRED", "CONTROL_UI_DEVICE_IDENTITY_REQUIRED", "PAIRING_REQUIRED",
      "DEVICE_AUTH_INVALID", "DEVICE_AUTH_DEVICE_ID_MISMATCH", "DEVICE_AUTH_SIGNATURE_INVALID",
      "DEVICE_AUTH_PUBLIC_KEY_INVALID");

  /** {@code details.recommendedNextStep} values that ask for other credentials or config. */
  private static final Set<String> CREDENTIAL_NEXT_STEPS = Set.of(
      "update_auth_credentials", "update_auth_configuration", "review_auth_configuration");

  public GatewayError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public GatewayError(String code, String message) {
    this(code, message, null, null, null);
  }

  /** {@code details.code}, e.g. {@code AUTH_TOKEN_MISMATCH}; null when there is none. */
  public String detailCode() {
    return detailText("code");
  }

  /** {@code details.recommendedNextStep}, e.g. {@code update_auth_credentials}; may be null. */
  public String recommendedNextStep() {
    return detailText("recommendedNextStep");
  }

  /** Retrying with the same credentials cannot succeed; stop reconnecting and report. */
  @JsonIgnore
  public boolean isAuthFailure() {
    return NOT_PAIRED.equals(code)
        || isIn(CREDENTIAL_DETAIL_CODES, detailCode())
        || isIn(CREDENTIAL_NEXT_STEPS, recommendedNextStep());
  }

  /**
   * The gateway says the same call may succeed later ({@code retryable:true}, e.g. "gateway
   * starting" during startup); wait {@code retryAfterMs} if given. Never true for auth failures.
   */
  @JsonIgnore
  public boolean isRetryable() {
    return Boolean.TRUE.equals(retryable) && !isAuthFailure();
  }

  /** Null-safe: {@code Set.of(...).contains(null)} throws. */
  private static boolean isIn(Set<String> values, String value) {
    return value != null && values.contains(value);
  }

  private String detailText(String field) {
    if (details == null || !details.isObject()) {
      return null;
    }
    JsonNode value = details.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  @Override
  public String toString() {
    String detail = detailCode();
    return code + (detail == null ? "" : "/" + detail) + ": " + message;
  }
}
