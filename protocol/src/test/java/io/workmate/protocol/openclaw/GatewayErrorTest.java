package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Which failed answers mean "change the credentials" and which mean "try again". */
class GatewayErrorTest {

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void wrongTokenIsAnAuthFailureDespiteItsGenericCode() throws Exception {
    GatewayError error = errorOf(RealFrames.BAD_TOKEN_RESPONSE);

    assertEquals(GatewayError.INVALID_REQUEST, error.code());
    assertEquals("AUTH_TOKEN_MISMATCH", error.detailCode());
    assertEquals("update_auth_credentials", error.recommendedNextStep());
    assertTrue(error.isAuthFailure());
    assertFalse(error.isRetryable());
  }

  @Test
  void missingTokenAndDeviceIsAnAuthFailure() throws Exception {
    GatewayError error = errorOf(RealFrames.NO_TOKEN_RESPONSE);

    assertEquals(GatewayError.NOT_PAIRED, error.code());
    assertEquals("DEVICE_IDENTITY_REQUIRED", error.detailCode());
    assertEquals("device identity required", error.message());
    assertTrue(error.isAuthFailure());
    assertFalse(error.isRetryable());
  }

  @Test
  void gatewayStartingIsRetryableAfterTheGivenDelay() throws Exception {
    GatewayError error = errorOf(RealFrames.STARTUP_UNAVAILABLE);

    assertEquals(GatewayError.UNAVAILABLE, error.code());
    assertTrue(error.isRetryable());
    assertFalse(error.isAuthFailure());
    assertEquals(500L, error.retryAfterMs());
    assertNull(error.detailCode(), "details has a reason, no code");
  }

  @Test
  void protocolMismatchIsNeitherRetryableNorAnAuthFailure() throws Exception {
    GatewayError error = errorOf(RealFrames.PROTOCOL_MISMATCH);

    assertFalse(error.isRetryable());
    assertFalse(error.isAuthFailure());
  }

  @Test
  void missingScopeIsAPerCallRefusalNotAConnectionAuthFailure() throws Exception {
    GatewayError error = errorOf(RealFrames.MISSING_SCOPE);

    assertEquals("MISSING_SCOPE", error.detailCode());
    assertFalse(error.isAuthFailure());
    assertFalse(error.isRetryable());
  }

  @Test
  void pairingAndDeviceKeyProblemsAreAuthFailures() {
    for (String code : new String[] {"PAIRING_REQUIRED", "AUTH_DEVICE_TOKEN_MISMATCH",
        "DEVICE_AUTH_SIGNATURE_INVALID", "DEVICE_AUTH_DEVICE_ID_MISMATCH", "AUTH_TOKEN_MISSING"}) {
      assertTrue(withDetailCode(code, null).isAuthFailure(), code);
    }
  }

  @Test
  void problemsAFreshAttemptCanFixAreNotAuthFailures() {
    assertFalse(withDetailCode("AUTH_RATE_LIMITED", true).isAuthFailure());
    assertTrue(withDetailCode("AUTH_RATE_LIMITED", true).isRetryable());
    assertFalse(withDetailCode("DEVICE_AUTH_SIGNATURE_EXPIRED", null).isAuthFailure());
    assertFalse(withDetailCode("DEVICE_AUTH_NONCE_MISMATCH", null).isAuthFailure());
  }

  @Test
  void anAuthFailureIsNeverRetryableEvenIfFlaggedSo() {
    GatewayError error = withDetailCode("AUTH_TOKEN_MISMATCH", true);

    assertTrue(error.isAuthFailure());
    assertFalse(error.isRetryable());
  }

  @Test
  void anUnknownCodeAskingForNewCredentialsIsAnAuthFailure() {
    ObjectNode details = JsonNodeFactory.instance.objectNode()
        .put("code", "AUTH_SOMETHING_NEW")
        .put("recommendedNextStep", "update_auth_credentials");

    assertTrue(new GatewayError("INVALID_REQUEST", "no", details, null, null).isAuthFailure());
  }

  @Test
  void anUnknownMethodIsAPlainError() {
    GatewayError error =
        new GatewayError(GatewayError.INVALID_REQUEST, "unknown method: no.such.method");

    assertNull(error.detailCode());
    assertFalse(error.isAuthFailure());
    assertFalse(error.isRetryable());
    assertEquals("INVALID_REQUEST: unknown method: no.such.method", error.toString());
  }

  private GatewayError errorOf(String frame) throws MalformedFrameException {
    GatewayFrame.Response response = (GatewayFrame.Response) codec.decode(frame);
    assertFalse(response.ok());
    return response.error();
  }

  private static GatewayError withDetailCode(String code, Boolean retryable) {
    ObjectNode details = JsonNodeFactory.instance.objectNode().put("code", code);
    return new GatewayError(GatewayError.INVALID_REQUEST, code, details, retryable, null);
  }
}
