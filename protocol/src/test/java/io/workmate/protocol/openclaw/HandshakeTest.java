package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the gateway sends around connect: the challenge, then hello-ok. */
class HandshakeTest {

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void readsTheChallengeNonceAndTimestamp() throws Exception {
    GatewayFrame.Event event = (GatewayFrame.Event) codec.decode(RealFrames.CHALLENGE);

    assertEquals(GatewayEvents.CONNECT_CHALLENGE, event.event());
    Challenge challenge = codec.read(event.payload(), Challenge.class);
    assertEquals(new Challenge("81012ee0-a654-4903-a09f-ec9e2f27277b", 1795275547613L),
        challenge);
  }

  @Test
  void readsTheRealHelloOkLeniently() throws Exception {
    GatewayFrame.Response response =
        (GatewayFrame.Response) codec.decode(TranscriptFrame.helloOk().text());
    HelloOk hello = codec.read(response.payload(), HelloOk.class);

    assertTrue(response.ok());
    assertEquals(HelloOk.TYPE, hello.type());
    assertEquals(4, hello.protocol());
    assertEquals("2026.9.6", hello.server().version());
    assertEquals("6c03cf3e-cd65-4de7-848e-88a30af6ee7f", hello.server().connId());
    assertEquals(466, hello.features().methods().size());
    assertTrue(hello.offersMethod(GatewayMethods.AGENT));
    assertTrue(hello.offersMethod(GatewayMethods.AGENT_WAIT));
    assertFalse(hello.offersMethod("no.such.method"));
    assertTrue(hello.features().events().containsAll(List.of(GatewayEvents.CHAT,
        GatewayEvents.AGENT, GatewayEvents.TICK, GatewayEvents.SHUTDOWN)));
  }

  @Test
  void readsGrantedAuthAndPolicy() throws Exception {
    GatewayFrame.Response response =
        (GatewayFrame.Response) codec.decode(TranscriptFrame.helloOk().text());
    HelloOk hello = codec.read(response.payload(), HelloOk.class);

    assertEquals("token", hello.auth().method());
    assertEquals("operator", hello.auth().role());
    assertEquals(ConnectParams.OPERATOR_SCOPES, hello.auth().scopes());
    assertNull(hello.auth().deviceToken(), "no device, no device token");
    assertEquals(new HelloOk.Policy(26_214_400L, 52_428_800L, 30_000L), hello.policy());
    assertEquals(Duration.ofSeconds(30), hello.tickInterval());
    assertEquals("agent:main:main", hello.mainSessionKey());
  }

  @Test
  void aSparseHelloOkStillReads() throws Exception {
    HelloOk hello = codec.read(TranscriptFrame.parse(
        "{\"type\":\"hello-ok\",\"protocol\":4,\"auth\":{\"deviceToken\":\"dt-1\"}}"),
        HelloOk.class);

    assertEquals("dt-1", hello.auth().deviceToken());
    assertEquals(HelloOk.DEFAULT_TICK_INTERVAL, hello.tickInterval());
    assertNull(hello.mainSessionKey());
    assertFalse(hello.offersMethod(GatewayMethods.HEALTH));
  }

  @Test
  void aPayloadOfTheWrongShapeIsAProtocolError() {
    MalformedFrameException e = assertThrows(MalformedFrameException.class,
        () -> codec.read(TranscriptFrame.parse("{\"protocol\":\"four\"}"), HelloOk.class));

    assertTrue(e.getMessage().startsWith("cannot read HelloOk"), e.getMessage());
  }
}
