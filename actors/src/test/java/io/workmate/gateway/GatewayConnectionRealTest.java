package io.workmate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.gateway.testkit.LoopbackProxy;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.support.Backoff;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection actor against the real OpenClaw gateway (shared by the suites of this JVM). */
class GatewayConnectionRealTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private static ActorTestKit testKit;
  private static OpenClawGateway gateway;

  @TempDir static Path state;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    gateway = OpenClawGateway.shared();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static GatewayEndpoint endpoint(String name, URI url, String token, Path stateDir) {
    return GatewayEndpoint.of(name, url, token).withStateDir(stateDir)
        .withReconnectBackoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(500), 2.0,
            0.2));
  }

  static GatewayStatus await(TestProbe<GatewayStatus> probe, LinkState state) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      GatewayStatus status = probe.receiveMessage(TIMEOUT);
      seen.add(status.state() + " (" + status.detail() + ")");
      if (status.state() == state) {
        return status;
      }
    }
    throw new AssertionError("never " + state + "; saw " + seen);
  }

  @Test
  void handshakeWithTokenAndDeviceIdentityThenHealthAgentsAndAnAgentRun() throws Exception {
    Path identityDir = state.resolve("identity");
    ActorRef<GatewayConnection.Command> connection = testKit.spawn(GatewayConnection.create(
        endpoint("local", gateway.url(), gateway.token(), identityDir)));
    TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
    connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));

    GatewayStatus connected = await(statuses, LinkState.CONNECTED);

    assertTrue(connected.detail().contains("OpenClaw"), connected.detail());
    assertTrue(Files.exists(identityDir.resolve("device-identity.pk8")),
        "the device identity is kept for reconnects");
    // on loopback the gateway takes gateway-client/backend with the shared token on its
    // internal helper path and may issue no device token; when it does, it is kept

    TestProbe<GatewayReply> reply = testKit.createTestProbe();
    connection.tell(GatewayConnection.Call.of(GatewayMethods.HEALTH, null, reply.getRef()));
    assertTrue(reply.receiveMessage(TIMEOUT) instanceof GatewayReply.Ok);
    connection.tell(GatewayConnection.Call.of(GatewayMethods.AGENTS_LIST, null, reply.getRef()));
    GatewayReply agents = reply.receiveMessage(TIMEOUT);
    assertTrue(agents instanceof GatewayReply.Ok ok && ok.payload().toString().contains("main"),
        agents.toString());

    String marker = "run-" + UUID.randomUUID();
    TestProbe<RunUpdate> run = testKit.createTestProbe();
    connection.tell(new GatewayConnection.StartRun(AgentParams.run(
        "[[chunks:6]][[delay:50]][[reply:streamed reply " + marker + "]]", "main",
        "agent:main:" + marker, GatewayConnection.idempotencyKey()), run.getRef()));

    RunUpdate first = run.receiveMessage(TIMEOUT);
    assertTrue(first instanceof RunUpdate.Accepted, first.toString());
    long lastSeq = 0;
    while (true) {
      RunUpdate update = run.receiveMessage(TIMEOUT);
      if (update instanceof RunUpdate.Progress progress) {
        Long seq = progress.event().runSeq();
        if (seq != null && progress.event().source() == io.workmate.protocol.openclaw.RunEvent
            .Source.CHAT) {
          assertTrue(seq > lastSeq, "chat events in order: " + seq + " after " + lastSeq);
          lastSeq = seq;
        }
        continue;
      }
      assertTrue(update instanceof RunUpdate.Finished finished && finished.ok()
          && finished.text().contains("streamed reply " + marker), update.toString());
      break;
    }
    testKit.stop(connection);
  }

  @Test
  void theGatewayChecksOurDeviceSignature() throws Exception {
    io.workmate.protocol.openclaw.GatewayCodec codec =
        new io.workmate.protocol.openclaw.GatewayCodec();
    io.workmate.protocol.openclaw.DeviceIdentity identity =
        io.workmate.protocol.openclaw.DeviceIdentity.generate();
    for (boolean tamper : new boolean[] {false, true}) {
      try (io.workmate.gateway.testkit.GatewaySocket socket = gateway.openSocket(TIMEOUT)) {
        io.workmate.protocol.openclaw.Challenge challenge = codec.read(
            socket.awaitChallenge(TIMEOUT).path("payload"),
            io.workmate.protocol.openclaw.Challenge.class);
        io.workmate.protocol.openclaw.ConnectParams params =
            io.workmate.protocol.openclaw.ConnectParams.workmate("test", "linux",
                gateway.token()).signedBy(identity, challenge);
        if (tamper) {
          io.workmate.protocol.openclaw.ConnectParams.Device device = params.device();
          params = params.withDevice(new io.workmate.protocol.openclaw.ConnectParams.Device(
              device.id(), device.publicKey(), device.signature().substring(2) + "AA",
              device.signedAt(), device.nonce()));
        }
        socket.send(codec.mapper().readTree(codec.encode(codec.request("c1", "connect", params))));
        com.fasterxml.jackson.databind.JsonNode answer = socket.awaitResponse("c1", TIMEOUT);
        if (tamper) {
          assertEquals("DEVICE_AUTH_SIGNATURE_INVALID",
              answer.path("error").path("details").path("code").asText(), answer.toString());
        } else {
          assertTrue(answer.path("ok").asBoolean(), "our signature is accepted: " + answer);
        }
      }
    }
  }

  @Test
  void aWrongTokenFailsWithAnActionableErrorAndNoRetryStorm() throws Exception {
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port())) {
      ActorRef<GatewayConnection.Command> connection = testKit.spawn(GatewayConnection.create(
          endpoint("local", URI.create("ws://127.0.0.1:" + proxy.port()), "not-the-token",
              state.resolve("wrong-token"))));
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));

      GatewayStatus failed = await(statuses, LinkState.FAILED);

      assertTrue(failed.detail().contains("AUTH_TOKEN_MISMATCH"), failed.detail());
      assertTrue(failed.detail().contains("WORKMATE_OPENCLAW_TOKEN"), failed.detail());
      statuses.expectNoMessage(Duration.ofSeconds(2));
      assertEquals(0, proxy.connectionCount(), "no connection is kept open or retried");
      testKit.stop(connection);
    }
  }

  @Test
  void aCutLinkIsNoticedAtOnceAndComesBackByItself() throws Exception {
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port())) {
      ActorRef<GatewayConnection.Command> connection = testKit.spawn(GatewayConnection.create(
          endpoint("local", URI.create("ws://127.0.0.1:" + proxy.port()), gateway.token(),
              state.resolve("cut"))));
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));
      await(statuses, LinkState.CONNECTED);

      proxy.cut();
      GatewayStatus down = await(statuses, LinkState.DOWN);
      TestProbe<GatewayReply> reply = testKit.createTestProbe();
      connection.tell(GatewayConnection.Call.of(GatewayMethods.HEALTH, null, reply.getRef()));
      GatewayReply refused = reply.receiveMessage(TIMEOUT);
      proxy.restore();

      assertTrue(refused instanceof GatewayReply.Unavailable, refused.toString());
      assertTrue(down.detail().length() > 0);
      await(statuses, LinkState.CONNECTED);
      connection.tell(GatewayConnection.Call.of(GatewayMethods.HEALTH, null, reply.getRef()));
      assertTrue(reply.receiveMessage(TIMEOUT) instanceof GatewayReply.Ok);
      assertEquals(1, proxy.connectionCount(), "exactly one live connection after reconnects");
      testKit.stop(connection);
    }
  }

}
