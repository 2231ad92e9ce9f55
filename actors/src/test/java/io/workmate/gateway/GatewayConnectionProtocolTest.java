package io.workmate.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.support.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Protocol edges against an in-process fake server: malformed frames, unknown events,
 * oversized payloads, a server that never sends the challenge, auth failures, seq gaps, missed
 * ticks, the agent run's double answer. The real gateway is covered in OpenClawGatewayTest.
 */
class GatewayConnectionProtocolTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final ObjectMapper json = new ObjectMapper();
  private static final String TOKEN = "test-token";
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A well-behaved gateway whose answers to other methods the test decides. */
  static final class Gateway implements FakeGateway.Script {
    volatile long tickIntervalMs = 30_000;
    volatile long maxPayload = 26_214_400;
    volatile boolean sendChallenge = true;
    volatile BiConsumer<FakeGateway.Peer, JsonNode> onRequest = (peer, request) ->
        peer.send(response(request, "{\"ok\":true}"));
    private int seq;

    @Override
    public void onOpen(FakeGateway.Peer peer) {
      seq = 0;
      if (sendChallenge) {
        peer.send("{\"type\":\"event\",\"event\":\"connect.challenge\",\"payload\":"
            + "{\"nonce\":\"n-1\",\"ts\":1795275547613}}");
      }
    }

    @Override
    public void onText(FakeGateway.Peer peer, String text) {
      try {
        JsonNode request = json.readTree(text);
        if ("connect".equals(request.path("method").asText())) {
          if (!TOKEN.equals(request.path("params").path("auth").path("token").asText())) {
            peer.send("{\"type\":\"res\",\"id\":\"" + request.path("id").asText()
                + "\",\"ok\":false,\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":"
                + "\"unauthorized: gateway token mismatch\",\"details\":{\"code\":"
                + "\"AUTH_TOKEN_MISMATCH\",\"recommendedNextStep\":\"update_auth_credentials\"}}}");
            return;
          }
          peer.send(response(request, "{\"type\":\"hello-ok\",\"protocol\":4,\"server\":"
              + "{\"version\":\"fake\",\"connId\":\"c1\"},\"features\":{\"methods\":[],"
              + "\"events\":[]},\"policy\":{\"maxPayload\":" + maxPayload
              + ",\"tickIntervalMs\":" + tickIntervalMs + "}}"));
          return;
        }
        onRequest.accept(peer, request);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    synchronized String event(String name, String payload) {
      return "{\"type\":\"event\",\"event\":\"" + name + "\",\"payload\":" + payload
          + ",\"seq\":" + (++seq) + "}";
    }

    synchronized String eventWithSeq(String name, String payload, int forcedSeq) {
      seq = forcedSeq;
      return "{\"type\":\"event\",\"event\":\"" + name + "\",\"payload\":" + payload
          + ",\"seq\":" + forcedSeq + "}";
    }

    static String response(JsonNode request, String payload) {
      return "{\"type\":\"res\",\"id\":\"" + request.path("id").asText() + "\",\"ok\":true,"
          + "\"payload\":" + payload + "}";
    }
  }

  private static GatewayEndpoint endpoint(FakeGateway fake, String token) {
    return GatewayEndpoint.of("local", fake.url(), token)
        .withReconnectBackoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(300), 2.0,
            0.1));
  }

  private static GatewayStatus awaitState(TestProbe<GatewayStatus> probe,
      Predicate<GatewayStatus> condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      GatewayStatus status = probe.receiveMessage(TIMEOUT);
      if (condition.test(status)) {
        return status;
      }
    }
    throw new AssertionError("state never matched");
  }

  private static GatewayStatus awaitState(TestProbe<GatewayStatus> probe, LinkState state) {
    return awaitState(probe, status -> status.state() == state);
  }

  private ActorRef<GatewayConnection.Command> connect(GatewayEndpoint endpoint,
      TestProbe<GatewayStatus> statuses) {
    ActorRef<GatewayConnection.Command> connection =
        testKit.spawn(GatewayConnection.create(endpoint));
    connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));
    return connection;
  }

  private GatewayReply call(ActorRef<GatewayConnection.Command> connection, String method) {
    TestProbe<GatewayReply> reply = testKit.createTestProbe();
    connection.tell(GatewayConnection.Call.of(method, null, reply.getRef()));
    return reply.receiveMessage(TIMEOUT);
  }

  @Test
  void handshakeSignsWithADeviceIdentityAndCallsAreCorrelated() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> peer.send(Gateway.response(request,
        "{\"echo\":\"" + request.path("method").asText() + "\"}"));
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);

      GatewayReply reply = call(connection, "health");

      assertTrue(reply instanceof GatewayReply.Ok ok
          && "health".equals(ok.payload().path("echo").asText()), reply.toString());
      JsonNode connect = json.readTree(fake.lastPeer().received.get(0));
      JsonNode device = connect.path("params").path("device");
      assertEquals("n-1", device.path("nonce").asText());
      assertEquals(64, device.path("id").asText().length());
      assertEquals("gateway-client", connect.path("params").path("client").path("id").asText());
      assertTrue(connect.path("id").isTextual(), "string ids");
      testKit.stop(connection);
    }
  }

  @Test
  void aWrongTokenFailsOnceWithAnActionableErrorAndNoRetryStorm() throws Exception {
    try (FakeGateway fake = new FakeGateway(testKit.system(), new Gateway())) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection =
          connect(endpoint(fake, "wrong-token"), statuses);

      GatewayStatus failed = awaitState(statuses, LinkState.FAILED);

      assertTrue(failed.detail().contains("AUTH_TOKEN_MISMATCH")
          && failed.detail().contains("WORKMATE_OPENCLAW_TOKEN"), failed.detail());
      // several backoff periods: no reconnect may happen
      await("no retries after an auth failure").during(Duration.ofMillis(1_500))
          .atMost(Duration.ofSeconds(10)).until(() -> fake.connectionCount() == 1);
      GatewayReply refused = call(connection, "health");
      assertTrue(refused instanceof GatewayReply.Unavailable u && u.reason().contains("failed"),
          refused.toString());

      connection.tell(GatewayConnection.Retry.INSTANCE);
      awaitState(statuses, LinkState.FAILED);
      assertEquals(2, fake.connectionCount(), "Retry tries exactly once more");
      testKit.stop(connection);
    }
  }

  @Test
  void aServerThatNeverSendsTheChallengeIsDroppedAndRetried() throws Exception {
    Gateway script = new Gateway();
    script.sendChallenge = false;
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      GatewayEndpoint quick = new GatewayEndpoint("local", fake.url(), TOKEN, Optional.empty(),
          Optional.empty(), Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofMinutes(1),
          new Backoff(Duration.ofMillis(100), Duration.ofMillis(200), 2.0, 0.1));
      ActorRef<GatewayConnection.Command> connection = connect(quick, statuses);

      GatewayStatus down = awaitState(statuses, LinkState.DOWN);
      assertTrue(down.detail().contains("connect.challenge"), down.detail());
      awaitState(statuses, LinkState.DOWN);
      assertTrue(fake.connectionCount() >= 2, "it reconnects");

      script.sendChallenge = true;
      awaitState(statuses, LinkState.CONNECTED);
      testKit.stop(connection);
    }
  }

  @Test
  void aStrayMalformedFrameAndUnknownEventsAreSkippedWithoutDroppingTheLink() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> {
      peer.send("this is not json");
      peer.send(script.event("brand.new.event", "{\"x\":1}"));
      peer.send("{\"type\":\"res\",\"id\":\"unknown-id\",\"ok\":true,\"payload\":{}}");
      peer.send(Gateway.response(request, "{\"survived\":true}"));
    };
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);
      TestProbe<io.workmate.protocol.openclaw.GatewayFrame.Event> events =
          testKit.createTestProbe();
      connection.tell(new GatewayConnection.WatchEvents(events.getRef()));

      GatewayReply reply = call(connection, "status");

      assertTrue(reply instanceof GatewayReply.Ok ok
          && ok.payload().path("survived").asBoolean(), reply.toString());
      assertEquals("brand.new.event", events.receiveMessage(TIMEOUT).event(),
          "unknown events are passed on, not fatal");
      assertEquals(1, fake.connectionCount(), "the link stayed up");
      testKit.stop(connection);
    }
  }

  @Test
  void aBurstOfMalformedFramesDropsTheLinkAndReconnects() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> {
      peer.send("[1,2,3]");
      peer.send("{\"type\":\"res\",\"id\":7,\"ok\":true}");
      peer.send("{\"type\":\"gossip\"}");
    };
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);

      GatewayReply reply = call(connection, "status");

      assertTrue(reply instanceof GatewayReply.Unavailable, reply.toString());
      GatewayStatus down = awaitState(statuses, LinkState.DOWN);
      assertTrue(down.detail().contains("3 malformed frames"), down.detail());
      awaitState(statuses, LinkState.CONNECTED);
      testKit.stop(connection);
    }
  }

  @Test
  void aFrameOverTheNegotiatedLimitDropsTheLinkAndReconnects() throws Exception {
    Gateway script = new Gateway();
    script.maxPayload = 2_048;
    script.onRequest = (peer, request) ->
        peer.send(script.event("big", "{\"blob\":\"" + "x".repeat(10_000) + "\"}"));
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);

      call(connection, "status");

      GatewayStatus down = awaitState(statuses, LinkState.DOWN);
      assertTrue(down.detail().contains("over its own limit"), down.detail());
      awaitState(statuses, LinkState.CONNECTED);
      assertTrue(fake.connectionCount() >= 2);
      testKit.stop(connection);
    }
  }

  @Test
  void aSeqGapDegradesTheLinkUntilEventsAreInOrderAgain() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> {
      peer.send(script.event("tick", "{\"ts\":1}"));
      peer.send(script.eventWithSeq("tick", "{\"ts\":2}", 5));
      peer.send(script.event("tick", "{\"ts\":3}"));
      peer.send(Gateway.response(request, "{}"));
    };
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);

      call(connection, "health");

      GatewayStatus degraded = awaitState(statuses, LinkState.DEGRADED);
      assertTrue(degraded.detail().contains("missed events 2..4"), degraded.detail());
      awaitState(statuses, LinkState.CONNECTED);
      testKit.stop(connection);
    }
  }

  @Test
  void twoMissedTicksDropTheLinkAndItReconnects() throws Exception {
    Gateway script = new Gateway();
    script.tickIntervalMs = 200;
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);

      GatewayStatus down = awaitState(statuses, LinkState.DOWN);

      assertTrue(down.detail().contains("two ticks missed"), down.detail());
      awaitState(statuses, LinkState.CONNECTED);
      assertTrue(fake.connectionCount() >= 2);
    }
  }

  @Test
  void anAgentRunIsAnsweredTwiceAndItsTerminalEventsAreDeduplicated() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> {
      String runId = request.path("params").path("idempotencyKey").asText();
      peer.send(Gateway.response(request, "{\"status\":\"accepted\",\"runId\":\"" + runId
          + "\",\"acceptedAt\":1}"));
      peer.send(script.event("chat", "{\"runId\":\"someone-else\",\"sessionKey\":\"s\","
          + "\"state\":\"delta\",\"deltaText\":\"not ours\"}"));
      peer.send(script.event("chat", "{\"runId\":\"" + runId + "\",\"sessionKey\":\"s\","
          + "\"state\":\"delta\",\"deltaText\":\"Hel\",\"message\":{\"role\":\"assistant\","
          + "\"content\":[{\"type\":\"text\",\"text\":\"Hel\"}]}}"));
      for (int i = 0; i < 2; i++) {
        peer.send(script.event("chat", "{\"runId\":\"" + runId + "\",\"sessionKey\":\"s\","
            + "\"state\":\"final\",\"message\":{\"role\":\"assistant\",\"content\":"
            + "[{\"type\":\"text\",\"text\":\"Hello\"}]}}"));
      }
      peer.send(Gateway.response(request, "{\"runId\":\"" + runId + "\",\"status\":\"ok\","
          + "\"summary\":\"completed\",\"result\":{\"payloads\":[{\"text\":\"Hello\"}]}}"));
    };
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);
      TestProbe<RunUpdate> run = testKit.createTestProbe();

      connection.tell(new GatewayConnection.StartRun(
          AgentParams.run("hi", "main", "s", "run-1"), run.getRef()));

      assertEquals(new RunUpdate.Accepted("run-1"), run.receiveMessage(TIMEOUT));
      RunUpdate.Progress delta = (RunUpdate.Progress) run.receiveMessage(TIMEOUT);
      assertEquals("Hel", delta.event().deltaText());
      RunUpdate.Progress terminal = (RunUpdate.Progress) run.receiveMessage(TIMEOUT);
      assertTrue(terminal.event().terminal());
      RunUpdate finished = run.receiveMessage(TIMEOUT);
      assertEquals(new RunUpdate.Finished("run-1", true, "Hello", null), finished);
      run.expectNoMessage(Duration.ofMillis(300));
      JsonNode sent = json.readTree(fake.lastPeer().received.get(1));
      assertEquals("run-1", sent.path("params").path("idempotencyKey").asText());
      testKit.stop(connection);
    }
  }

  @Test
  void aDroppedLinkTellsInFlightRunsAndCallsAndReconnects() throws Exception {
    Gateway script = new Gateway();
    script.onRequest = (peer, request) -> {
      if ("agent".equals(request.path("method").asText())) {
        peer.send(Gateway.response(request, "{\"status\":\"accepted\",\"runId\":\"r-9\"}"));
        peer.close();
      }
    };
    try (FakeGateway fake = new FakeGateway(testKit.system(), script)) {
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      ActorRef<GatewayConnection.Command> connection = connect(endpoint(fake, TOKEN), statuses);
      awaitState(statuses, LinkState.CONNECTED);
      TestProbe<RunUpdate> run = testKit.createTestProbe();

      connection.tell(new GatewayConnection.StartRun(
          AgentParams.run("hi", "main", "s", "r-9"), run.getRef()));

      assertEquals(new RunUpdate.Accepted("r-9"), run.receiveMessage(TIMEOUT));
      RunUpdate lost = run.receiveMessage(TIMEOUT);
      assertTrue(lost instanceof RunUpdate.LinkLost l && l.runId().equals("r-9"),
          lost.toString());
      awaitState(statuses, LinkState.DOWN);
      awaitState(statuses, LinkState.CONNECTED);
      testKit.stop(connection);
    }
  }

}
