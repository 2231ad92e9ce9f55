package io.workmate.registry.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.AgentRegistration;
import io.workmate.agents.EchoAgent;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.RegisteredAgent;
import io.workmate.testkit.OneNodeCluster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cluster's agent registry on a one-node cluster with the real embedded journal: a shared
 * agent is registered once for the cluster and runs on the node (its registry mirrors it), a
 * local one only under an id naming its node, a listing holds both, and what crosses nodes
 * survives the wire format. {@code ClusterJobsIT} checks the same across three processes.
 */
class ClusterAgentsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String NODE = "node-a";

  private static ActorTestKit testKit;
  private static ActorRef<AgentRegistry.Command> nodeRegistry;
  private static ActorRef<AgentRegistry.Command> agents;
  /** The agents the node runs, as its registry last published them. */
  private static final AtomicReference<List<AgentHandle>> running =
      new AtomicReference<>(List.of());

  @BeforeAll
  static void startNode() throws Exception {
    testKit = OneNodeCluster.start("cluster-agents");

    AgentFactories factories = AgentFactories.standard()
        .with(AgentKind.ECHO, registration -> EchoAgent.create());
    nodeRegistry = testKit.spawn(
        AgentRegistry.create(NODE, factories, Clock.systemUTC()), "agent-registry");
    nodeRegistry.tell(new AgentRegistry.Subscribe(testKit.spawn(
        Behaviors.<List<AgentHandle>>receiveMessage(handles -> {
          running.set(handles);
          return Behaviors.same();
        }), "running")));
    agents = testKit.spawn(ClusterAgents.create(NODE, nodeRegistry, factories,
        Clock.systemUTC()), "agents");
  }

  @AfterAll
  static void stopNode() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSharedAgentIsRegisteredForTheClusterAndRunsOnTheNode() {
    AgentRegistry.Reply.Registered registered = assertInstanceOf(
        AgentRegistry.Reply.Registered.class, ask(register("reviewer", "http")));
    assertTrue(registered.created());

    // the node runs it, from the mirror of the shared registry
    await().atMost(TIMEOUT).until(() -> runningIds().contains("reviewer"));
    // the node's own registry does not journal it: it lists only its own agents
    assertTrue(listOf(nodeRegistry).stream().noneMatch(agent -> agent.id().equals("reviewer")));
    assertInstanceOf(AgentRegistry.Reply.Current.class, ask(replyTo ->
        new AgentRegistry.Heartbeat("reviewer", replyTo)));
    assertInstanceOf(AgentRegistry.Reply.Current.class, ask(replyTo ->
        new AgentRegistry.GetAgent("reviewer", replyTo)));

    assertInstanceOf(AgentRegistry.Reply.Removed.class, ask(replyTo ->
        new AgentRegistry.Deregister("reviewer", replyTo)));
    await().atMost(TIMEOUT).until(() -> !runningIds().contains("reviewer"));
    assertInstanceOf(AgentRegistry.Reply.NotFound.class, ask(replyTo ->
        new AgentRegistry.GetAgent("reviewer", replyTo)));
  }

  @Test
  void aLocalAgentIsRegisteredOnlyUnderAnIdNamingItsNode() {
    AgentRegistry.Reply.Rejected plain = assertInstanceOf(AgentRegistry.Reply.Rejected.class,
        ask(register("helper", "echo")));
    assertEquals(AgentRegistry.INVALID, plain.code());
    assertTrue(plain.message().contains("\"helper@node-a\""), plain.message());
    assertInstanceOf(AgentRegistry.Reply.Rejected.class, ask(register("helper@node-b", "echo")));
    AgentRegistry.Reply.Rejected sharedWithNode = assertInstanceOf(
        AgentRegistry.Reply.Rejected.class, ask(register("hook@node-a", "http")));
    assertTrue(sharedWithNode.message().contains("has no @"), sharedWithNode.message());

    assertInstanceOf(AgentRegistry.Reply.Registered.class, ask(register("helper@node-a", "echo")));
    await().atMost(TIMEOUT).until(() -> runningIds().contains("helper@node-a"));
    assertInstanceOf(AgentRegistry.Reply.Registered.class, ask(register("hook", "http")));

    // the listing holds the node's own and the shared agents, in id order
    TestProbe<AgentRegistry.Agents> listed = testKit.createTestProbe();
    agents.tell(new AgentRegistry.ListAgents(listed.ref()));
    List<String> ids = listed.receiveMessage(TIMEOUT).ids();
    assertTrue(ids.containsAll(List.of("helper@node-a", "hook")), ids.toString());
    assertEquals(ids.stream().sorted().toList(), ids);
    agents.tell(new AgentRegistry.Discover(Set.of("echo"), listed.ref()));
    assertEquals(List.of("helper@node-a"), listed.receiveMessage(TIMEOUT).ids());
    assertInstanceOf(AgentRegistry.Reply.Current.class, ask(replyTo ->
        new AgentRegistry.GetAgent("helper@node-a", replyTo)));
  }

  @Test
  void whatCrossesNodesSurvivesTheWireFormat() {
    TestProbe<AgentRegistry.Reply> replies = testKit.createTestProbe();
    AgentRegistration registration = AgentRegistration.of(new AgentProfile("hook",
        AgentKind.HTTP, Set.of("review"), 4, 60), "http://127.0.0.1:9/", null, null);
    Instant at = Instant.parse("2026-12-07T10:00:00Z");
    RegisteredAgent agent = new RegisteredAgent(registration, at, at, at.plusSeconds(60));
    List<Object> messages = List.of(
        AgentRegistry.Register.of(registration, replies.ref()),
        new AgentRegistry.GetAgent("hook", replies.ref()),
        new AgentRegistry.Reply.Registered(agent, true),
        new AgentRegistry.Reply.NotFound("hook"),
        new AgentRegistry.Agents(List.of(agent)),
        new AgentRegistry.Registrations(List.of(registration)),
        new AgentRegistry.SubscribeRegistrations(
            testKit.<AgentRegistry.Registrations>createTestProbe().ref()));
    for (Object message : messages) {
      assertEquals(message, OneNodeCluster.roundTrip(testKit, message),
          "round trip of " + message.getClass().getSimpleName());
    }
  }

  private static java.util.function.Function<ActorRef<AgentRegistry.Reply>,
      AgentRegistry.Command> register(String id, String kind) {
    return replyTo -> new AgentRegistry.Register(new AgentRegistration.Request(id, kind,
        List.of(kind.equals("echo") ? "echo" : "review"), 2, null,
        kind.equals("http") ? "http://127.0.0.1:9/" : null, null, null, null), replyTo);
  }

  private static AgentRegistry.Reply ask(java.util.function.Function<
      ActorRef<AgentRegistry.Reply>, AgentRegistry.Command> question) {
    TestProbe<AgentRegistry.Reply> probe = testKit.createTestProbe();
    agents.tell(question.apply(probe.ref()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static List<RegisteredAgent> listOf(ActorRef<AgentRegistry.Command> registry) {
    TestProbe<AgentRegistry.Agents> probe = testKit.createTestProbe();
    registry.tell(new AgentRegistry.ListAgents(probe.ref()));
    return probe.receiveMessage(TIMEOUT).agents();
  }

  private static List<String> runningIds() {
    return running.get().stream().map(handle -> handle.profile().id()).toList();
  }
}
