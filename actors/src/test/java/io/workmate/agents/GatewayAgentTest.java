package io.workmate.agents;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayReply;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import io.workmate.gateway.testkit.LoopbackProxy;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.protocol.openclaw.AgentWaitParams;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.support.Backoff;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway agent on a real connection to the real OpenClaw gateway (scripted model). */
class GatewayAgentTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private static ActorTestKit testKit;
  private static OpenClawGateway gateway;
  private static ActorRef<GatewayConnection.Command> connection;

  @TempDir static Path state;

  @BeforeAll
  static void connect() {
    testKit = ActorTestKit.create("gateway-agent");
    gateway = OpenClawGateway.shared();
    connection = testKit.spawn(GatewayConnection.create(endpoint(gateway.url(), gateway.token(),
        state.resolve("identity"))));
    TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
    connection.tell(new GatewayConnection.WatchStatus(statuses.ref()));
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (statuses.receiveMessage(TIMEOUT).state() != LinkState.CONNECTED) {
      assertTrue(System.nanoTime() < deadline, "the gateway connection never came up");
    }
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static GatewayEndpoint endpoint(URI url, String token, Path stateDir) {
    return GatewayEndpoint.of("local", url, token).withStateDir(stateDir)
        .withReconnectBackoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(500), 2.0,
            0.2));
  }

  private static ActorRef<Agent.Command> agent(ActorRef<GatewayConnection.Command> link) {
    AgentProfile profile = new AgentProfile("claw", AgentKind.GATEWAY, Set.of("chat"), 4, 0);
    return testKit.spawn(GatewayAgent.create(
        AgentRegistration.of(profile, null, null, null), link));
  }

  private static Agent.Invocation invocation(String prompt, Duration timeout) {
    return new Agent.Invocation("job-" + UUID.randomUUID() + "#1", prompt, null, null, timeout);
  }

  @Test
  void aRunStreamsItsReplyAndSucceedsWithTheFinalText() {
    String marker = "gw-" + UUID.randomUUID();
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    Agent.Invocation invocation = invocation(
        "[[chunks:5]][[delay:40]][[reply:agent reply " + marker + "]]", TIMEOUT);

    agent(connection).tell(new Agent.Invoke(invocation, updates.ref()));

    Agent.Update.Started started = assertInstanceOf(Agent.Update.Started.class,
        updates.receiveMessage(TIMEOUT));
    assertEquals(invocation.id(), started.invocationId());
    assertNotNull(started.threadId(), "the gateway's run id");
    StringBuilder streamed = new StringBuilder();
    List<Agent.Update.Item> items = new ArrayList<>();
    Agent.Update last;
    while ((last = updates.receiveMessage(TIMEOUT)) instanceof Agent.Update.Item item) {
      assertEquals("agent_message_delta", item.type());
      assertEquals(started.threadId(), item.data().path("itemId").asText());
      items.add(item);
      streamed.append(item.data().path("delta").asText());
    }
    Agent.Update.Finished finished = assertInstanceOf(Agent.Update.Finished.class, last);
    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome(), String.valueOf(finished.error()));
    assertTrue(finished.text().contains("agent reply " + marker), finished.text());
    assertFalse(items.isEmpty(), "the reply was streamed");
    assertTrue(streamed.toString().contains(marker), "deltas add up to the reply: " + streamed);
    updates.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aFailingModelFailsTheInvocationWithTheGatewaysError() {
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    Agent.Invocation invocation = invocation("[[http:400]] please fail", TIMEOUT);

    agent(connection).tell(new Agent.Invoke(invocation, updates.ref()));

    Agent.Update.Finished finished = finished(updates);
    assertEquals(invocation.id(), finished.invocationId());
    assertEquals(Agent.Outcome.FAILED, finished.outcome(), String.valueOf(finished.text()));
    assertTrue(finished.error().startsWith("the gateway run failed"), finished.error());
  }

  @Test
  void anInterruptEndsAtOnceAndAbortsTheRunOnTheGateway() {
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    Agent.Invocation invocation = invocation("[[stall]] hang on", TIMEOUT);
    ActorRef<Agent.Command> agent = agent(connection);
    agent.tell(new Agent.Invoke(invocation, updates.ref()));
    String runId = assertInstanceOf(Agent.Update.Started.class,
        updates.receiveMessage(TIMEOUT)).threadId();

    long start = System.nanoTime();
    agent.tell(new Agent.Interrupt(invocation.id()));
    Agent.Update.Finished finished = finished(updates);
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertEquals(Agent.Outcome.INTERRUPTED, finished.outcome());
    assertTrue(tookMs < 2000, "interrupted locally without waiting: " + tookMs + " ms");
    // the gateway was told too: the run ends, not as a success
    TestProbe<GatewayReply> reply = testKit.createTestProbe();
    connection.tell(new GatewayConnection.Call(GatewayMethods.AGENT_WAIT,
        new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(
            new AgentWaitParams(runId, 30_000L)),
        java.util.Optional.of(Duration.ofSeconds(45)), reply.ref()));
    GatewayReply waited = reply.receiveMessage(Duration.ofSeconds(60));
    GatewayReply.Ok ok = assertInstanceOf(GatewayReply.Ok.class, waited);
    assertEquals("error", ok.payload().path("status").asText(), ok.payload().toString());
    // "rpc": ended by our chat.abort, not by the stalled model or a timeout
    assertEquals("rpc", ok.payload().path("stopReason").asText(), ok.payload().toString());
    updates.expectNoMessage(Duration.ofMillis(300));
  }

  /**
   * The job path re-attaches like messages do: the link is cut while the job's run streams in
   * the gateway, and the run's result is taken with {@code agent.wait} once the link is back.
   */
  @Test
  void aJobsRunInFlightWhenTheLinkDropsIsReattachedWhenTheLinkReturns() {
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port())) {
      ActorRef<GatewayConnection.Command> viaProxy = testKit.spawn(GatewayConnection.create(
          endpoint(URI.create("ws://127.0.0.1:" + proxy.port()), gateway.token(),
              state.resolve("via-proxy"))));
      TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
      viaProxy.tell(new GatewayConnection.WatchStatus(statuses.ref()));
      statuses.fishForMessage(TIMEOUT, status -> status.state() == LinkState.CONNECTED
          ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
      AgentProfile profile = new AgentProfile("claw", AgentKind.GATEWAY, Set.of("chat"), 4, 0);
      ActorRef<Agent.Command> agent = testKit.spawn(GatewayAgent.create(
          AgentRegistration.of(profile, null, null, null), viaProxy, Duration.ofSeconds(20)));
      String marker = "reattach-" + UUID.randomUUID();
      int before = gateway.provider().requestCount();
      TestProbe<Agent.Update> updates = testKit.createTestProbe();
      Agent.Invocation invocation = invocation("[[delay:250]][[chunks:24]][[reply:a slow "
          + "gateway answer " + marker + "]]", TIMEOUT);

      agent.tell(new Agent.Invoke(invocation, updates.ref()));
      String runId = assertInstanceOf(Agent.Update.Started.class,
          updates.receiveMessage(TIMEOUT)).threadId();
      // the model is streaming the answer when the link goes
      await().atMost(TIMEOUT).until(() -> gateway.provider().requests().stream()
          .skip(before).anyMatch(request -> request.lastUserText().contains(marker)));
      proxy.cut();
      statuses.fishForMessage(TIMEOUT, status -> status.state() == LinkState.DOWN
          ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
      proxy.restore();
      Agent.Update.Finished finished = finished(updates);

      assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome(), finished.toString());
      assertTrue(finished.text().contains("a slow gateway answer " + marker), finished.text());
      assertEquals(new Agent.RunEnd(Agent.RunEnd.Kind.REATTACHED, runId), finished.end());
      testKit.stop(agent);
      testKit.stop(viaProxy);
    }
  }

  @Test
  void withoutAGatewayTheInvocationFailsClearly() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    ActorRef<GatewayConnection.Command> down = testKit.spawn(GatewayConnection.create(endpoint(
        URI.create("ws://127.0.0.1:" + closedPort), "token", state.resolve("down"))));
    TestProbe<Agent.Update> updates = testKit.createTestProbe();

    agent(down).tell(new Agent.Invoke(invocation("hello", TIMEOUT), updates.ref()));

    Agent.Update.Finished finished = finished(updates);
    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().contains("refused the run")
        && finished.error().contains("not connected"), finished.error());
    testKit.stop(down);
  }

  private static Agent.Update.Finished finished(TestProbe<Agent.Update> updates) {
    while (true) {
      Agent.Update update = updates.receiveMessage(TIMEOUT);
      if (update instanceof Agent.Update.Finished finished) {
        return finished;
      }
    }
  }
}
