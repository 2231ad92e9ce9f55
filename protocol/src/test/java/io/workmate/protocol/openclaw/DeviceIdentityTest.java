package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ed25519 device identity. The known answers use the RFC 8032 §7.1 test-1 key; the expected
 * signature was computed independently (Python {@code cryptography}) over the expected payload.
 */
class DeviceIdentityTest {

  private static final HexFormat HEX = HexFormat.of();

  /** PKCS#8 v1 of the RFC 8032 test-1 private key (a fixed 16-byte header + the 32-byte seed). */
  private static final byte[] RFC8032_PKCS8 = HEX.parseHex("302e020100300506032b657004220420"
      + "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  private static final String RFC8032_RAW_PUBLIC_KEY =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

  private static final String DEVICE_ID =
      "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9";
  private static final Challenge CHALLENGE =
      new Challenge("81012ee0-a654-4903-a09f-ec9e2f27277b", 1795275547613L);
  private static final String TOKEN = "probe-token-0123456789abcdef";
  private static final String EXPECTED_PAYLOAD = "v3|" + DEVICE_ID
      + "|gateway-client|backend|operator|operator.read,operator.write,operator.admin"
      + "|1795275547613|" + TOKEN + "|81012ee0-a654-4903-a09f-ec9e2f27277b|linux|";
  private static final String EXPECTED_SIGNATURE =
      "XzI8Pv6qnTdb3j5BIsBWCNpRJ6HgB5YmtZl5OOxleYSRp4CHME5tm2lSbtarULejQkCbt6BhFsUq_4fQyXs-AA";

  @Test
  void deviceIdIsTheHexSha256OfTheRawPublicKey() throws Exception {
    DeviceIdentity identity = DeviceIdentity.fromPkcs8(RFC8032_PKCS8);

    String expected = HEX.formatHex(MessageDigest.getInstance("SHA-256")
        .digest(HEX.parseHex(RFC8032_RAW_PUBLIC_KEY)));
    assertEquals(expected, identity.deviceId());
    assertEquals(DEVICE_ID, identity.deviceId());
  }

  @Test
  void publicKeyIsUnpaddedBase64UrlOfTheRawKey() {
    DeviceIdentity identity = DeviceIdentity.fromPkcs8(RFC8032_PKCS8);

    assertEquals("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", identity.publicKeyBase64Url());
    assertArrayEquals(HEX.parseHex(RFC8032_RAW_PUBLIC_KEY),
        Base64.getUrlDecoder().decode(identity.publicKeyBase64Url()));
  }

  @Test
  void buildsTheV3PayloadString() {
    String payload = DeviceAuthPayload.v3(DEVICE_ID, "gateway-client", "backend", "operator",
        ConnectParams.OPERATOR_SCOPES, CHALLENGE.ts(), TOKEN, CHALLENGE.nonce(), " Linux ", null);

    assertEquals(EXPECTED_PAYLOAD, payload);
  }

  @Test
  void payloadWithoutTokenHasAnEmptyFieldAndLowercasesOnlyAscii() {
    String payload = DeviceAuthPayload.v3("d", "cli", "cli", "operator",
        List.of("operator.read"), 7L, null, "n", "DARWIN", "MacBookPro \u00c9");

    assertEquals("v3|d|cli|cli|operator|operator.read|7||n|darwin|macbookpro \u00c9", payload);
  }

  @Test
  void signsTheKnownPayloadToTheKnownSignature() throws Exception {
    ConnectParams.Device device = DeviceIdentity.fromPkcs8(RFC8032_PKCS8).sign(CHALLENGE,
        "gateway-client", "backend", "operator", ConnectParams.OPERATOR_SCOPES, TOKEN, "linux",
        null);

    // Ed25519 is deterministic: same key, same payload, same signature
    assertEquals(EXPECTED_SIGNATURE, device.signature());
    assertEquals(DEVICE_ID, device.id());
    assertEquals(CHALLENGE.ts().longValue(), device.signedAt());
    assertEquals(CHALLENGE.nonce(), device.nonce());
  }

  @Test
  void aSignatureVerifiesWithThePublishedRawKeyAndOnlyForItsPayload() throws Exception {
    DeviceIdentity identity = DeviceIdentity.generate();
    ConnectParams.Device device = identity.sign(CHALLENGE, "gateway-client", "backend",
        "operator", ConnectParams.OPERATOR_SCOPES, TOKEN, "linux", null);
    String payload = DeviceAuthPayload.v3(identity.deviceId(), "gateway-client", "backend",
        "operator", ConnectParams.OPERATOR_SCOPES, CHALLENGE.ts(), TOKEN, CHALLENGE.nonce(),
        "linux", null);
    // what the gateway does: rebuild the key from device.publicKey alone
    PublicKey published = fromRaw(Base64.getUrlDecoder().decode(device.publicKey()));

    assertTrue(verifies(published, payload, device.signature()));
    assertTrue(verifies(identity.publicKey(), payload, device.signature()));
    assertFalse(verifies(published, payload.replace(TOKEN, "other-token"), device.signature()));
  }

  @Test
  void encodingsFollowTheDocumentedAlphabetAndLengths() {
    DeviceIdentity identity = DeviceIdentity.generate();

    assertTrue(identity.deviceId().matches("[0-9a-f]{64}"), identity.deviceId());
    assertTrue(identity.publicKeyBase64Url().matches("[A-Za-z0-9_-]{43}"),
        identity.publicKeyBase64Url());
  }

  @Test
  void storageRoundTripKeepsTheSameDevice() throws Exception {
    DeviceIdentity original = DeviceIdentity.generate();
    byte[] stored = original.toPkcs8();

    DeviceIdentity restored = DeviceIdentity.fromPkcs8(stored);

    assertEquals(original.deviceId(), restored.deviceId());
    assertEquals(original.publicKeyBase64Url(), restored.publicKeyBase64Url());
    assertArrayEquals(stored, restored.toPkcs8());
    ConnectParams.Device device = restored.sign(CHALLENGE, "gateway-client", "backend",
        "operator", List.of("operator.read"), null, "linux", null);
    String payload = DeviceAuthPayload.v3(original.deviceId(), "gateway-client", "backend",
        "operator", List.of("operator.read"), CHALLENGE.ts(), null, CHALLENGE.nonce(), "linux",
        null);
    assertTrue(verifies(original.publicKey(), payload, device.signature()));
  }

  @Test
  void twoGeneratedIdentitiesDiffer() {
    assertNotEquals(DeviceIdentity.generate().deviceId(), DeviceIdentity.generate().deviceId());
  }

  @Test
  void rejectsBytesThatAreNoEd25519Key() {
    assertThrows(IllegalArgumentException.class,
        () -> DeviceIdentity.fromPkcs8(new byte[] {1, 2, 3}));
  }

  @Test
  void refusesAChallengeWithoutNonce() {
    DeviceIdentity identity = DeviceIdentity.generate();

    assertThrows(IllegalArgumentException.class, () -> identity.sign(new Challenge(null, 1L),
        "gateway-client", "backend", "operator", List.of(), null, "linux", null));
  }

  @Test
  void toStringNamesTheDeviceNotTheKey() {
    DeviceIdentity identity = DeviceIdentity.fromPkcs8(RFC8032_PKCS8);

    assertEquals("DeviceIdentity[" + DEVICE_ID + "]", identity.toString());
  }

  private static PublicKey fromRaw(byte[] raw) throws Exception {
    byte[] x509 = new byte[44];
    System.arraycopy(HEX.parseHex("302a300506032b6570032100"), 0, x509, 0, 12);
    System.arraycopy(raw, 0, x509, 12, 32);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
  }

  private static boolean verifies(PublicKey key, String payload, String signature)
      throws Exception {
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(key);
    verifier.update(payload.getBytes(StandardCharsets.UTF_8));
    return verifier.verify(Base64.getUrlDecoder().decode(signature));
  }
}
