package io.workmate.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentRegistration;
import io.workmate.agents.HttpAgent;
import io.workmate.registry.AgentRegistry.Agents;
import io.workmate.registry.AgentRegistry.Command;
import io.workmate.registry.AgentRegistry.Deregister;
import io.workmate.registry.AgentRegistry.Discover;
import io.workmate.registry.AgentRegistry.ExpireDue;
import io.workmate.registry.AgentRegistry.GetAgent;
import io.workmate.registry.AgentRegistry.Heartbeat;
import io.workmate.registry.AgentRegistry.ListAgents;
import io.workmate.registry.AgentRegistry.Register;
import io.workmate.registry.AgentRegistry.Reply;
import io.workmate.registry.AgentRegistry.State;
import io.workmate.registry.AgentRegistry.Subscribe;
import io.workmate.testkit.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The registry's state machine on the in-memory persistence testkit, which also round-trips
 * every command, event and state (snapshot) through the real Jackson CBOR serializers.
 */
class AgentRegistryTest {

  private static final ActorTestKit testKit = ActorTestKit.create("agent-registry",
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

  /** Codex and echo agents are inert here; http agents are the real ones (they idle). */
  static final AgentFactories FACTORIES = AgentFactories.none()
      .with(AgentKind.CODEX, registration -> Behaviors.ignore())
      .with(AgentKind.ECHO, registration -> Behaviors.ignore())
      .with(AgentKind.HTTP, HttpAgent::create);

  private static int registries;

  private final ManualClock clock = new ManualClock(T0);
  private final String name = "test-" + (++registries);
  private final EventSourcedBehaviorTestKit<Command, AgentEvent, State> kit = kit(name, clock);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static EventSourcedBehaviorTestKit<Command, AgentEvent, State> kit(String name,
      Clock clock) {
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        AgentRegistry.create(name, FACTORIES, clock));
  }

  static AgentRegistration.Request http(String id, long ttlSeconds, String... capabilities) {
    return new AgentRegistration.Request(id, "http", List.of(capabilities), 2, 0,
        "http://127.0.0.1:9/invoke", null, null, ttlSeconds);
  }

  static AgentRegistration.Request local(String id, String... capabilities) {
    return new AgentRegistration.Request(id, "codex", List.of(capabilities), 4, null, null,
        "gpt-5.5", "/work", null);
  }

  private Reply register(AgentRegistration.Request request) {
    return kit.<Reply>runCommand(replyTo -> new Register(request, replyTo)).reply();
  }

  private List<String> discover(String... capabilities) {
    return kit.<Agents>runCommand(replyTo -> new Discover(Set.of(capabilities), replyTo))
        .reply().ids();
  }

  // ---- register ----

  @Test
  void aRegistrationIsJournaledWithItsDeadlineAndAnswersCreated() {
    var result = kit.<Reply>runCommand(replyTo -> new Register(http("coder", 30, "java"),
        replyTo));

    AgentRegistration registration = http("coder", 30, "java").validate();
    assertEquals(new AgentEvent.Registered(registration, T0, T0.plusSeconds(30)),
        result.event());
    Reply.Registered registered = assertInstanceOf(Reply.Registered.class, result.reply());
    assertTrue(registered.created());
    assertEquals(new RegisteredAgent(registration, T0, T0, T0.plusSeconds(30)),
        registered.agent());
    assertEquals(Set.of("coder"), result.state().agents().keySet());
  }

  @Test
  void aLocalCodexAgentHasNoTtlAndNeverExpires() {
    var result = kit.<Reply>runCommand(replyTo -> new Register(local("local-codex", "code"),
        replyTo));

    RegisteredAgent agent = assertInstanceOf(Reply.Registered.class, result.reply()).agent();
    assertEquals(Duration.ZERO, agent.registration().ttl());
    assertNull(agent.expiresAt());
    clock.advance(Duration.ofDays(30));
    kit.runCommand(ExpireDue.INSTANCE);
    assertEquals(List.of("local-codex"),
        kit.<Agents>runCommand(ListAgents::new).reply().ids());
  }

  @Test
  void theSameSettingsAgainAreIdempotentAndCountAsAHeartbeat() {
    register(http("coder", 30, "java", "review"));

    var again = kit.<Reply>runCommand(replyTo -> new Register(http("coder", 30, "review",
        "java"), replyTo));
    assertTrue(again.hasNoEvents(), "an immediate repeat journals nothing");
    assertFalse(assertInstanceOf(Reply.Registered.class, again.reply()).created());

    clock.advance(Duration.ofSeconds(10));
    var later = kit.<Reply>runCommand(replyTo -> new Register(http("coder", 30, "java",
        "review"), replyTo));
    assertEquals(new AgentEvent.HeartbeatRecorded("coder", T0.plusSeconds(10),
        T0.plusSeconds(40)), later.event());
    RegisteredAgent agent = assertInstanceOf(Reply.Registered.class, later.reply()).agent();
    assertFalse(((Reply.Registered) later.reply()).created());
    assertEquals(T0, agent.registeredAt(), "the first registration time is kept");
    assertEquals(T0.plusSeconds(40), agent.expiresAt());
  }

  @Test
  void otherSettingsUnderARegisteredIdAreAConflictThatChangesNothing() {
    register(http("coder", 30, "java"));
    State before = kit.getState();

    var result = kit.<Reply>runCommand(replyTo -> new Register(http("coder", 30, "java",
        "python"), replyTo));

    Reply.Rejected rejected = assertInstanceOf(Reply.Rejected.class, result.reply());
    assertEquals(AgentRegistry.CONFLICT, rejected.code());
    assertTrue(rejected.message().contains("capabilities"), rejected.message());
    assertTrue(result.hasNoEvents());
    assertEquals(before, result.state());
  }

  static Stream<Arguments> invalidRegistrations() {
    return Stream.of(
        Arguments.of(new AgentRegistration.Request("Bad Id", "http", List.of(), 1, 0,
            "http://127.0.0.1:1/", null, null, null), "invalid agent id 'Bad Id'"),
        Arguments.of(new AgentRegistration.Request("", "http", List.of(), 1, 0,
            "http://127.0.0.1:1/", null, null, null), "\"id\" is required"),
        Arguments.of(new AgentRegistration.Request("a", "http", List.of("Java 17"), 1, 0,
            "http://127.0.0.1:1/", null, null, null), "invalid capability 'Java 17'"),
        Arguments.of(new AgentRegistration.Request("a", "robot", List.of(), 1, 0, null, null,
            null, null), "unknown agent kind 'robot'"),
        Arguments.of(new AgentRegistration.Request("a", "http", List.of(), 1, 0, null, null,
            null, null), "needs an \"endpoint\""),
        Arguments.of(new AgentRegistration.Request("a", "http", List.of(), 1, 0,
            "ftp://example.org/x", null, null, null), "http:// or https://"),
        Arguments.of(new AgentRegistration.Request("a", "http", List.of(), 1, 0,
            "http://user:secret@127.0.0.1/x", null, null, null), "credentials"),
        Arguments.of(new AgentRegistration.Request("a", "codex", List.of(), 1, 0,
            "http://127.0.0.1:1/", null, null, null), "only for agents of kind http"),
        Arguments.of(new AgentRegistration.Request("a", "codex", List.of(), 0, 0, null, null,
            null, null), "maxConcurrent must be at least 1"),
        Arguments.of(new AgentRegistration.Request("a", "codex", List.of(), 1, -1, null, null,
            null, null), "rateLimitPerMinute"),
        Arguments.of(new AgentRegistration.Request("a", "http", List.of(), 1, 0,
            "http://127.0.0.1:1/", null, null, -5L), "ttlSeconds"),
        Arguments.of(new AgentRegistration.Request("a", "gateway", List.of(), 1, 0, null, null,
            null, null), "no OpenClaw gateway is configured"));
  }

  @ParameterizedTest
  @MethodSource("invalidRegistrations")
  void anInvalidRegistrationIsRejectedAsInvalidWithAClearMessage(
      AgentRegistration.Request request, String expected) {
    var result = kit.<Reply>runCommand(replyTo -> new Register(request, replyTo));

    Reply.Rejected rejected = assertInstanceOf(Reply.Rejected.class, result.reply());
    assertEquals(AgentRegistry.INVALID, rejected.code());
    assertTrue(rejected.message().contains(expected), rejected.message());
    assertTrue(result.hasNoEvents());
    assertTrue(result.state().agents().isEmpty());
  }

  // ---- deregister, get ----

  @Test
  void deregisterRemovesTheAgentAndAnUnknownIdIsNotFound() {
    register(http("coder", 30, "java"));

    var removed = kit.<Reply>runCommand(replyTo -> new Deregister("coder", replyTo));
    assertEquals(new AgentEvent.Deregistered("coder", T0), removed.event());
    assertEquals("coder", assertInstanceOf(Reply.Removed.class, removed.reply()).agent().id());

    assertEquals(new Reply.NotFound("coder"),
        kit.<Reply>runCommand(replyTo -> new GetAgent("coder", replyTo)).reply());
    var again = kit.<Reply>runCommand(replyTo -> new Deregister("coder", replyTo));
    assertEquals(new Reply.NotFound("coder"), again.reply());
    assertTrue(again.hasNoEvents());
  }

  // ---- heartbeat, expiry ----

  @Test
  void aHeartbeatJournalsTheNewDeadline() {
    register(http("coder", 30, "java"));
    clock.advance(Duration.ofSeconds(20));

    var beat = kit.<Reply>runCommand(replyTo -> new Heartbeat("coder", replyTo));

    assertEquals(new AgentEvent.HeartbeatRecorded("coder", T0.plusSeconds(20),
        T0.plusSeconds(50)), beat.event());
    RegisteredAgent agent = assertInstanceOf(Reply.Current.class, beat.reply()).agent();
    assertEquals(T0.plusSeconds(50), agent.expiresAt());
    assertEquals(T0.plusSeconds(20), agent.lastHeartbeatAt());

    clock.advance(Duration.ofMillis(300));
    var tooSoon = kit.<Reply>runCommand(replyTo -> new Heartbeat("coder", replyTo));
    assertTrue(tooSoon.hasNoEvents(), "beats closer than the granularity are coalesced");
    assertEquals(T0.plusSeconds(50),
        assertInstanceOf(Reply.Current.class, tooSoon.reply()).agent().expiresAt());

    assertEquals(new Reply.NotFound("ghost"),
        kit.<Reply>runCommand(replyTo -> new Heartbeat("ghost", replyTo)).reply());
  }

  @Test
  void anAgentPastItsDeadlineIsGoneAtOnceCannotBeRevivedAndItsExpiryIsJournaled() {
    register(http("short", 30, "java"));
    register(http("long", 300, "java"));
    register(local("local-codex", "java"));
    clock.advance(Duration.ofSeconds(31));

    assertEquals(new Reply.NotFound("short"),
        kit.<Reply>runCommand(replyTo -> new GetAgent("short", replyTo)).reply());
    assertEquals(new Reply.NotFound("short"),
        kit.<Reply>runCommand(replyTo -> new Heartbeat("short", replyTo)).reply());
    assertEquals(List.of("local-codex", "long"), discover("java"));

    var expired = kit.runCommand(ExpireDue.INSTANCE);
    assertEquals(List.of(new AgentEvent.Expired("short", T0.plusSeconds(30),
        T0.plusSeconds(31))), expired.events());
    assertEquals(Set.of("local-codex", "long"), expired.state().agents().keySet());

    var again = kit.<Reply>runCommand(replyTo -> new Register(http("short", 30, "java"),
        replyTo));
    assertTrue(assertInstanceOf(Reply.Registered.class, again.reply()).created(),
        "an expired id can be registered anew");
  }

  @Test
  void reRegisteringAnOverdueAgentJournalsItsExpiryFirst() {
    register(http("short", 30, "java"));
    clock.advance(Duration.ofSeconds(45));

    var result = kit.<Reply>runCommand(replyTo -> new Register(http("short", 30, "python"),
        replyTo));

    assertEquals(2, result.events().size(), result.events().toString());
    assertEquals(new AgentEvent.Expired("short", T0.plusSeconds(30), T0.plusSeconds(45)),
        result.events().get(0));
    assertInstanceOf(AgentEvent.Registered.class, result.events().get(1));
    assertEquals(Set.of("python"), result.state().agents().get("short").registration()
        .profile().capabilities());
  }

  @Test
  void theTimerExpiresAnAgentThatMissesItsHeartbeatsAndTellsSubscribers() {
    var real = kit("test-" + (++registries), Clock.systemUTC());
    TestProbe<List<AgentHandle>> live = testKit.createTestProbe();
    real.runCommand(new Subscribe(live.ref()));
    assertEquals(List.of(), live.receiveMessage());

    real.<Reply>runCommand(replyTo -> new Register(http("brief", 1, "java"), replyTo));
    real.<Reply>runCommand(replyTo -> new Register(http("lasting", 600, "java"), replyTo));
    assertEquals(List.of("brief"), ids(live.receiveMessage()));
    assertEquals(List.of("brief", "lasting"), ids(live.receiveMessage()));

    // no heartbeat: the timer journals the expiry after about a second
    assertEquals(List.of("lasting"), ids(live.receiveMessage(Duration.ofSeconds(10))));
    assertEquals(Set.of("lasting"), real.getState().agents().keySet());
    real.restart();
    assertEquals(Set.of("lasting"), real.getState().agents().keySet(),
        "the expiry is an event: it survives recovery");
  }

  @Test
  void afterRecoveryAnAgentWhoseDeadlinePassedMeanwhileExpiresAtOnce() {
    register(http("short", 30, "java"));
    register(http("long", 300, "java"));
    State before = kit.getState();

    clock.advance(Duration.ofSeconds(60)); // "the service was down for a minute"
    var restarted = kit.restart();
    // recovery restores agents and deadlines exactly; "short" may already have expired by the
    // time the test kit reads the state, as its expiry is due at once
    assertEquals(before.agents().get("long"), restarted.state().agents().get("long"),
        "recovery restores an agent and its deadline exactly");
    RegisteredAgent shortAfter = restarted.state().agents().get("short");
    assertTrue(shortAfter == null || shortAfter.equals(before.agents().get("short")),
        "restored exactly or already expired: " + shortAfter);

    await().atMost(Duration.ofSeconds(10))
        .until(() -> !kit.getState().agents().containsKey("short"));
    assertEquals(Set.of("long"), kit.getState().agents().keySet());
  }

  @Test
  void recoveryFromASnapshotAndTheEventsAfterItRestoresTheSameState() {
    for (int i = 0; i < 60; i++) {
      register(http("agent-" + i, 600, "java", i % 2 == 0 ? "even" : "odd"));
    }
    for (int i = 0; i < 50; i++) {
      clock.advance(Duration.ofSeconds(2));
      kit.<Reply>runCommand(replyTo -> new Heartbeat("agent-7", replyTo));
    }
    kit.<Reply>runCommand(replyTo -> new Deregister("agent-3", replyTo));
    State before = kit.getState();
    assertEquals(59, before.agents().size());

    var snapshots = kit.snapshotTestKit().orElseThrow()
        .persistedInStorage(AgentRegistry.persistenceId(name).id());
    assertEquals(List.of(100L), snapshots.stream().map(p -> p.first().sequenceNr()).toList(),
        "111 events: one snapshot, at 100");

    var restarted = kit.restart();

    assertEquals(before, restarted.state());
    assertEquals(T0.plusSeconds(700), restarted.state().agents().get("agent-7").expiresAt());
  }

  // ---- discovery, subscription ----

  @Test
  void discoveryReturnsExactlyTheAgentsThatOfferEveryAskedCapability() {
    register(http("a", 60, "java", "review"));
    register(http("b", 60, "java"));
    register(http("c", 60, "python"));
    register(local("d", "java", "review", "go"));

    assertEquals(List.of("a", "d"), discover("java", "review"));
    assertEquals(List.of("a", "b", "d"), discover("java"));
    assertEquals(List.of("c"), discover("python"));
    assertEquals(List.of(), discover("rust"));
    assertEquals(List.of(), discover("java", "python"));
    assertEquals(List.of("a", "b", "c", "d"), discover());
  }

  @Test
  void subscribersGetTheLiveSetAfterEveryChangeOfItAndNothingElse() {
    TestProbe<List<AgentHandle>> live = testKit.createTestProbe();
    kit.runCommand(new Subscribe(live.ref()));
    assertEquals(List.of(), live.receiveMessage());

    register(http("b", 60, "java"));
    register(local("a", "java"));
    List<AgentHandle> both = live.receiveMessage();
    both = both.size() == 2 ? both : live.receiveMessage();
    assertEquals(List.of("a", "b"), ids(both));
    assertEquals(AgentKind.CODEX, both.get(0).profile().kind());

    clock.advance(Duration.ofSeconds(5));
    kit.<Reply>runCommand(replyTo -> new Heartbeat("b", replyTo));
    register(local("a", "java"));
    live.expectNoMessage(Duration.ofMillis(200));

    kit.<Reply>runCommand(replyTo -> new Deregister("a", replyTo));
    List<AgentHandle> after = live.receiveMessage();
    assertEquals(List.of("b"), ids(after));
    assertEquals(both.get(1).ref(), after.get(0).ref(), "b kept its actor");
  }

  @Test
  void aFailedWriteRestartsTheRegistryWhichKeepsItsAgentsAndSubscribers() {
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    ActorRef<Command> registry = testKit.spawn(
        AgentRegistry.create("failing-" + (++registries), FACTORIES, clock));
    TestProbe<List<AgentHandle>> live = testKit.createTestProbe();
    registry.tell(new Subscribe(live.ref()));
    assertEquals(List.of(), live.receiveMessage());
    TestProbe<Reply> replies = testKit.createTestProbe();
    registry.tell(new Register(http("kept", 60, "java"), replies.ref()));
    assertInstanceOf(Reply.Registered.class, replies.receiveMessage());
    ActorRef<io.workmate.agents.Agent.Command> kept = live.receiveMessage().get(0).ref();

    journal.failNextPersisted();
    registry.tell(new Register(http("lost", 60, "java"), replies.ref()));
    replies.expectNoMessage(Duration.ofMillis(300)); // no answer for a write that failed

    // after its backoff the registry answers again, recovered from the journal
    registry.tell(new Register(http("second", 60), replies.ref()));
    assertInstanceOf(Reply.Registered.class, replies.receiveMessage(Duration.ofSeconds(10)));
    List<AgentHandle> after = live.receiveMessage(Duration.ofSeconds(5));
    assertEquals(List.of("kept", "second"), ids(after), "the failed one was not stored");
    assertEquals(kept, after.get(0).ref(), "an agent keeps its actor through the restart");
    registry.tell(new GetAgent("lost", replies.ref()));
    assertInstanceOf(Reply.NotFound.class, replies.receiveMessage());
  }

  @Test
  void theAgentsActorIsStoppedWhenItIsDeregistered() {
    TestProbe<List<AgentHandle>> live = testKit.createTestProbe();
    kit.runCommand(new Subscribe(live.ref()));
    live.receiveMessage();
    register(http("coder", 60, "java"));
    ActorRef<io.workmate.agents.Agent.Command> actor = live.receiveMessage().get(0).ref();

    kit.<Reply>runCommand(replyTo -> new Deregister("coder", replyTo));

    TestProbe<Object> watcher = testKit.createTestProbe();
    watcher.expectTerminated(actor, Duration.ofSeconds(5));
  }

  private static List<String> ids(List<AgentHandle> handles) {
    return handles.stream().map(AgentHandle::id).toList();
  }
}
