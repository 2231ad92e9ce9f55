package io.workmate.gateway.testkit;

import io.workmate.gateway.PinnedCertificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gateway of its own (TLS is fixed at start, and this class kills it): {@code wss://} with a
 * pinned self-signed certificate, through the proxy too, and a crash plus restart.
 */
class OpenClawGatewayTlsTest {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final String SOME_OTHER_FINGERPRINT = "00".repeat(32);

  static OpenClawGateway gateway;

  @BeforeAll
  static void startTlsGateway() {
    gateway = OpenClawGateway.builder().tls(true).start();
  }

  @AfterAll
  static void closeTlsGateway() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void answersOverWssWhenTheClientPinsTheCertificate() {
    assertEquals("wss", gateway.url().getScheme());
    assertTrue(gateway.certificateSha256().matches("[0-9a-f]{64}"), gateway::certificateSha256);

    try (GatewaySocket socket = GatewaySocket.open(gateway.url(),
        PinnedCertificate.sslContext(gateway.certificateSha256()), TIMEOUT)) {
      LoopbackProxyTest.assertHelloOk(socket, gateway.token());
    }
  }

  @Test
  void theConnectionActorSpeaksWssToAPinnedGatewayAndRefusesAnotherCertificate() {
    org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit testKit =
        org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit.create();
    try {
      io.workmate.gateway.GatewayEndpoint pinned = io.workmate.gateway.GatewayEndpoint.of(
          "remote", gateway.url(), gateway.token()).withFingerprint(gateway.certificateSha256());
      assertEquals(io.workmate.gateway.LinkState.CONNECTED,
          firstSettledState(testKit, pinned).state());

      io.workmate.gateway.GatewayStatus refused = firstSettledState(testKit,
          io.workmate.gateway.GatewayEndpoint.of("remote", gateway.url(), gateway.token())
              .withFingerprint(SOME_OTHER_FINGERPRINT));
      assertEquals(io.workmate.gateway.LinkState.DOWN, refused.state());
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /** The first state after CONNECTING. */
  private static io.workmate.gateway.GatewayStatus firstSettledState(
      org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit testKit,
      io.workmate.gateway.GatewayEndpoint endpoint) {
    var connection = testKit.spawn(io.workmate.gateway.GatewayConnection.create(endpoint));
    var statuses = testKit.<io.workmate.gateway.GatewayStatus>createTestProbe();
    connection.tell(new io.workmate.gateway.GatewayConnection.WatchStatus(statuses.getRef()));
    try {
      while (true) {
        io.workmate.gateway.GatewayStatus status = statuses.receiveMessage(TIMEOUT);
        if (status.state() != io.workmate.gateway.LinkState.CONNECTING) {
          return status;
        }
      }
    } finally {
      testKit.stop(connection);
    }
  }

  @Test
  void aServerWithAnotherCertificateIsNotTrusted() {
    assertThrows(UncheckedIOException.class, () -> GatewaySocket.open(gateway.url(),
        PinnedCertificate.sslContext(SOME_OTHER_FINGERPRINT), TIMEOUT));
  }

  @Test
  void tlsPassesThroughTheProxyUntouched() {
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port());
        GatewaySocket socket = GatewaySocket.open(URI.create("wss://127.0.0.1:" + proxy.port()),
            gateway.pinnedSslContext(), TIMEOUT)) {
      LoopbackProxyTest.assertHelloOk(socket, gateway.token());
    }
  }

  @Test
  void aKilledGatewayComesBackOnTheSamePortWithTheSameCertificate() {
    URI before = gateway.url();
    ProcessHandle crashed = ProcessHandle.of(gateway.pid()).orElseThrow();
    List<ProcessHandle> crashedTree = crashed.descendants().collect(Collectors.toList());
    String fingerprint = gateway.certificateSha256();

    gateway.kill();

    assertFalse(gateway.isRunning());
    assertFalse(crashed.isAlive(), "the gateway process is gone");
    crashedTree.forEach(child -> assertFalse(child.isAlive(), "its child " + child.pid()
        + " is gone too"));
    assertThrows(UncheckedIOException.class, () -> gateway.openSocket(TIMEOUT),
        "nothing listens while the gateway is down");

    gateway.restart();

    assertNotEquals(crashed.pid(), gateway.pid());
    assertEquals(fingerprint, gateway.certificateSha256(), "the generated pair is reused");
    try (GatewaySocket socket =
        GatewaySocket.open(before, PinnedCertificate.sslContext(fingerprint), TIMEOUT)) {
      LoopbackProxyTest.assertHelloOk(socket, gateway.token());
    }
  }
}
