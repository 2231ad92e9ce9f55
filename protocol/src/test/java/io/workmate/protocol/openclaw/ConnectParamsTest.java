package io.workmate.protocol.openclaw;

import static io.workmate.protocol.openclaw.GatewayCodecTest.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The connect params Workmate sends: documented defaults, and the signed-device variant. */
class ConnectParamsTest {

  private static final String TOKEN = "probe-token-0123456789abcdef";

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void defaultsSerializeExactlyToTheDocumentedParams() throws Exception {
    ConnectParams params = ConnectParams.workmate("0.0.1-probe", "linux", TOKEN)
        .withLocale("en-US")
        .withUserAgent("probe/0.0.1");

    assertEquals(
        "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"gateway-client\","
            + "\"version\":\"0.0.1-probe\",\"platform\":\"linux\",\"mode\":\"backend\"},"
            + "\"role\":\"operator\",\"scopes\":[\"operator.read\",\"operator.write\","
            + "\"operator.admin\"],\"caps\":[],\"auth\":{\"token\":\"" + TOKEN + "\"},"
            + "\"locale\":\"en-US\",\"userAgent\":\"probe/0.0.1\"}",
        codec.mapper().writeValueAsString(params));
  }

  @Test
  void theWholeConnectFrameEqualsTheOneTheGatewayAccepted() {
    ConnectParams params = ConnectParams.workmate("0.0.1-probe", "linux", TOKEN)
        .withLocale("en-US")
        .withUserAgent("probe/0.0.1");

    assertEquals(RealFrames.CONNECT_REQUEST,
        codec.encode(codec.request("r1", GatewayMethods.CONNECT, params)));
  }

  @Test
  void withoutATokenTheAuthMemberIsOmitted() {
    JsonNode params = codec.toTree(ConnectParams.workmate("1.0", "linux", null));

    assertFalse(params.has("auth"));
    assertEquals(Set.of("minProtocol", "maxProtocol", "client", "role", "scopes", "caps"),
        keys(params));
  }

  @Test
  void defaultsAskForProtocolFourOnlyAsABackendOperator() {
    ConnectParams params = ConnectParams.workmate("1.0", "linux", "t");

    assertEquals(4, params.minProtocol());
    assertEquals(4, params.maxProtocol());
    assertEquals("gateway-client", params.client().id());
    assertEquals("backend", params.client().mode());
    assertEquals("operator", params.role());
    assertEquals(List.of("operator.read", "operator.write", "operator.admin"), params.scopes());
  }

  @Test
  void capsCanBeRequested() {
    JsonNode params =
        codec.toTree(ConnectParams.workmate("1.0", "linux", "t").withCaps(List.of("tool-events")));

    assertEquals("[\"tool-events\"]", params.get("caps").toString());
  }

  @Test
  void signedByAddsADeviceProofOverExactlyTheSentValues() throws Exception {
    DeviceIdentity identity = DeviceIdentity.generate();
    Challenge challenge = new Challenge("81012ee0-a654-4903-a09f-ec9e2f27277b", 1795275547613L);
    ConnectParams params = ConnectParams.workmate("1.0", "Linux", TOKEN)
        .signedBy(identity, challenge);

    JsonNode device = codec.toTree(params).get("device");
    assertEquals(Set.of("id", "publicKey", "signature", "signedAt", "nonce"), keys(device));
    assertEquals(identity.deviceId(), device.get("id").asText());
    assertEquals(1795275547613L, device.get("signedAt").asLong());
    assertEquals(challenge.nonce(), device.get("nonce").asText());

    String expectedPayload = "v3|" + identity.deviceId()
        + "|gateway-client|backend|operator|operator.read,operator.write,operator.admin"
        + "|1795275547613|" + TOKEN + "|" + challenge.nonce() + "|linux|";
    assertTrue(verifies(identity, expectedPayload, device.get("signature").asText()));
  }

  @Test
  void aDeviceTokenLoginSignsTheDeviceToken() throws Exception {
    DeviceIdentity identity = DeviceIdentity.generate();
    Challenge challenge = new Challenge("n-1", 42L);
    ConnectParams params = ConnectParams.workmate("1.0", "linux", null)
        .withAuth(ConnectParams.Auth.deviceToken("dev-tok"))
        .signedBy(identity, challenge);

    String expectedPayload = "v3|" + identity.deviceId()
        + "|gateway-client|backend|operator|operator.read,operator.write,operator.admin"
        + "|42|dev-tok|n-1|linux|";
    assertNotNull(params.device());
    assertTrue(verifies(identity, expectedPayload, params.device().signature()));
    assertEquals("{\"deviceToken\":\"dev-tok\"}", codec.toTree(params.auth()).toString());
  }

  @Test
  void currentPlatformUsesNodesNames() {
    String os = System.getProperty("os.name");
    String expected = os.startsWith("Linux") ? "linux"
        : os.startsWith("Mac") ? "darwin"
        : os.startsWith("Windows") ? "win32" : null;

    if (expected != null) {
      assertEquals(expected, ConnectParams.currentPlatform());
    } else {
      assertEquals(ConnectParams.currentPlatform().toLowerCase(), ConnectParams.currentPlatform());
    }
  }

  private static boolean verifies(DeviceIdentity identity, String payload, String signature)
      throws Exception {
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(identity.publicKey());
    verifier.update(payload.getBytes(StandardCharsets.UTF_8));
    return verifier.verify(Base64.getUrlDecoder().decode(signature));
  }
}
