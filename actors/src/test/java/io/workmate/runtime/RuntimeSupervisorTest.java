package io.workmate.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.codex.CodexFixture;
import io.workmate.codex.CodexPool;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import io.workmate.gateway.testkit.LoopbackProxy;
import io.workmate.gateway.testkit.OpenClawGateway;
import io.workmate.support.Backoff;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mode supervisor against the real OpenClaw gateway, with loopback proxies to cut links
 * (a network partition), and real codex for the local route.
 */
class RuntimeSupervisorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private static ActorTestKit testKit;
  private static OpenClawGateway gateway;
  private static CodexFixture codexFixture;

  @TempDir static Path root;

  private ActorRef<CodexPool.Command> codex;
  private final List<LoopbackProxy> proxies = new ArrayList<>();

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    gateway = OpenClawGateway.shared();
    codexFixture = CodexFixture.start(root);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    codexFixture.close();
  }

  @BeforeEach
  void startCodex() {
    codex = testKit.spawn(CodexPool.create(1, codexFixture.appServerSettings()));
  }

  @AfterEach
  void stopCodexAndProxies() {
    testKit.stop(codex, Duration.ofSeconds(30));
    proxies.forEach(LoopbackProxy::close);
    proxies.clear();
  }

  private LoopbackProxy proxy() {
    LoopbackProxy proxy = LoopbackProxy.start(gateway.port());
    proxies.add(proxy);
    return proxy;
  }

  private GatewayEndpoint endpoint(String name, LoopbackProxy proxy) {
    return GatewayEndpoint.of(name, URI.create("ws://127.0.0.1:" + proxy.port()), gateway.token())
        .withStateDir(root.resolve("gateways").resolve(name + "-" + proxy.port()))
        .withReconnectBackoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 2.0,
            0.2));
  }

  private RuntimeSettings settings(Mode mode, Optional<GatewayEndpoint> local,
      Optional<GatewayEndpoint> remote) {
    return RuntimeSettings.of(mode, local, remote, codexFixture.threadSettings("messages"))
        .withStability(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(10))
        .withReattachWindow(Duration.ofSeconds(5));
  }

  private ActorRef<RuntimeSupervisor.Command> supervisor(RuntimeSettings settings,
      TestProbe<RuntimeSupervisor.ModeChanged> changes) {
    ActorRef<RuntimeSupervisor.Command> supervisor =
        testKit.spawn(RuntimeSupervisor.create(settings, codex));
    supervisor.tell(new RuntimeSupervisor.Subscribe(changes.getRef()));
    return supervisor;
  }

  private static RuntimeSupervisor.ModeChanged awaitMode(
      TestProbe<RuntimeSupervisor.ModeChanged> changes, EffectiveMode mode) {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      RuntimeSupervisor.ModeChanged change = changes.receiveMessage(TIMEOUT);
      seen.add(change.from() + "->" + change.to());
      if (change.to() == mode) {
        return change;
      }
    }
    throw new AssertionError("never reached " + mode + "; saw " + seen);
  }

  private RuntimeSupervisor.RuntimeState state(ActorRef<RuntimeSupervisor.Command> supervisor) {
    TestProbe<RuntimeSupervisor.RuntimeState> probe = testKit.createTestProbe();
    supervisor.tell(new RuntimeSupervisor.GetState(probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  /** The statuses of one of the supervisor's gateway connections, from now on. */
  private TestProbe<GatewayStatus> watchLink(ActorRef<RuntimeSupervisor.Command> supervisor,
      String name) {
    TestProbe<RuntimeSupervisor.Gateways> gateways = testKit.createTestProbe();
    supervisor.tell(new RuntimeSupervisor.GetGateways(gateways.getRef()));
    RuntimeSupervisor.Gateways known = gateways.receiveMessage(TIMEOUT);
    ActorRef<GatewayConnection.Command> connection = (RuntimeSupervisor.LOCAL.equals(name)
        ? known.local() : known.remote()).orElseThrow();
    TestProbe<GatewayStatus> statuses = testKit.createTestProbe();
    connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));
    return statuses;
  }

  private static void awaitLink(TestProbe<GatewayStatus> statuses, LinkState state) {
    statuses.fishForMessage(TIMEOUT, status -> status.state() == state
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  private MessageOutcome send(ActorRef<RuntimeSupervisor.Command> supervisor, String prompt,
      boolean preferOnline) {
    TestProbe<MessageOutcome> outcome = testKit.createTestProbe();
    supervisor.tell(new RuntimeSupervisor.SendMessage(prompt, preferOnline, outcome.getRef()));
    return outcome.receiveMessage(TIMEOUT.multipliedBy(2));
  }

  @Test
  void autoUsesTheLocalGatewayGoesOfflineWhenTheLinkIsCutAndComesBack() {
    LoopbackProxy link = proxy();
    TestProbe<RuntimeSupervisor.ModeChanged> changes = testKit.createTestProbe();
    ActorRef<RuntimeSupervisor.Command> supervisor = supervisor(
        settings(Mode.AUTO, Optional.of(endpoint("local", link)), Optional.empty()), changes);
    awaitMode(changes, EffectiveMode.LOCAL);
    RuntimeSupervisor.RuntimeState online = state(supervisor);
    assertEquals("Connected (Local)", online.state());
    assertTrue(online.capabilities().contains(Capability.LOCAL_MODEL));

    String marker = UUID.randomUUID().toString();
    MessageOutcome viaGateway = send(supervisor, "[[reply:gateway says " + marker + "]]", true);
    assertEquals(MessageOutcome.Route.GATEWAY_LOCAL, viaGateway.route(), viaGateway.toString());
    assertTrue(viaGateway.ok() && viaGateway.text().contains(marker), viaGateway.toString());
    MessageOutcome notPreferred = send(supervisor, "[[reply:codex says hi]]", false);
    assertEquals(MessageOutcome.Route.LOCAL_CODEX, notPreferred.route());

    long cutAt = System.nanoTime();
    link.cut();
    RuntimeSupervisor.ModeChanged offline = awaitMode(changes, EffectiveMode.OFFLINE);
    Duration failover = Duration.ofNanos(System.nanoTime() - cutAt);
    assertTrue(failover.compareTo(Duration.ofSeconds(5)) < 0, "failover took " + failover);
    assertTrue(offline.reason().contains("local gateway down"), offline.reason());
    assertEquals("code-agent", String.join(",", state(supervisor).capabilities().stream()
        .map(Capability::wire).toList()));

    MessageOutcome duringOutage = send(supervisor, "[[reply:codex during the outage]]", true);
    assertEquals(MessageOutcome.Route.LOCAL_CODEX, duringOutage.route());
    assertEquals("codex during the outage", duringOutage.text());

    link.restore();
    awaitMode(changes, EffectiveMode.LOCAL);
    testKit.stop(supervisor);
  }

  @Test
  void autoPrefersRemoteFailsOverToLocalAndReturnsWhenRemoteIsBack() {
    LoopbackProxy localLink = proxy();
    LoopbackProxy remoteLink = proxy();
    TestProbe<RuntimeSupervisor.ModeChanged> changes = testKit.createTestProbe();
    ActorRef<RuntimeSupervisor.Command> supervisor = supervisor(settings(Mode.AUTO,
        Optional.of(endpoint("local", localLink)), Optional.of(endpoint("remote", remoteLink))),
        changes);
    awaitMode(changes, EffectiveMode.REMOTE);
    assertEquals("Connected (Remote)", state(supervisor).state());
    assertEquals(5, state(supervisor).capabilities().size());

    remoteLink.cut();
    awaitMode(changes, EffectiveMode.LOCAL);
    remoteLink.restore();
    RuntimeSupervisor.ModeChanged back = awaitMode(changes, EffectiveMode.REMOTE);

    assertTrue(back.reason().contains("stable") || back.reason().contains("remote"),
        back.reason());
    TestProbe<RuntimeSupervisor.RuntimeState> set = testKit.createTestProbe();
    supervisor.tell(new RuntimeSupervisor.SetMode(Mode.LOCAL, set.getRef()));
    assertEquals(EffectiveMode.LOCAL, set.receiveMessage(TIMEOUT).effective());
    supervisor.tell(new RuntimeSupervisor.SetMode(Mode.OFFLINE, set.getRef()));
    assertEquals("Offline", set.receiveMessage(TIMEOUT).state());
    testKit.stop(supervisor);
  }

  @Test
  void aFlappingRemoteDoesNotThrashAndLeavesNoConnectionsBehind() {
    LoopbackProxy localLink = proxy();
    LoopbackProxy remoteLink = proxy();
    TestProbe<RuntimeSupervisor.ModeChanged> changes = testKit.createTestProbe();
    ActorRef<RuntimeSupervisor.Command> supervisor = supervisor(settings(Mode.AUTO,
        Optional.of(endpoint("local", localLink)), Optional.of(endpoint("remote", remoteLink))),
        changes);
    awaitMode(changes, EffectiveMode.REMOTE);
    TestProbe<GatewayStatus> remoteStatus = watchLink(supervisor, RuntimeSupervisor.REMOTE);
    awaitLink(remoteStatus, LinkState.CONNECTED);

    // each up-period ends as soon as the link is seen up: far shorter than the 1 s stability
    // the remote needs first (which doubles per flap)
    for (int flap = 0; flap < 20; flap++) {
      remoteLink.cut();
      awaitLink(remoteStatus, LinkState.DOWN);
      remoteLink.restore();
      awaitLink(remoteStatus, LinkState.CONNECTED);
    }
    List<String> transitions = new ArrayList<>();
    RuntimeSupervisor.ModeChanged change;
    do {
      change = changes.receiveMessage(TIMEOUT);
      transitions.add(change.from().wire() + "->" + change.to().wire());
    } while (change.to() != EffectiveMode.REMOTE);

    // without hysteresis: 40 transitions (down and up per flap). With it: away once, back once
    assertEquals(List.of("remote->local", "local->remote"), transitions);
    assertEquals(1, remoteLink.connectionCount(), "one live connection to remote");
    assertEquals(1, localLink.connectionCount(), "one live connection to local");
    testKit.stop(supervisor);
  }

  @Test
  void aRunInFlightWhenTheLinkDropsIsReattachedWhenTheLinkReturns() {
    LoopbackProxy link = proxy();
    TestProbe<RuntimeSupervisor.ModeChanged> changes = testKit.createTestProbe();
    ActorRef<RuntimeSupervisor.Command> supervisor = supervisor(
        settings(Mode.LOCAL, Optional.of(endpoint("local", link)), Optional.empty()), changes);
    awaitMode(changes, EffectiveMode.LOCAL);
    String marker = UUID.randomUUID().toString();
    int before = gateway.provider().requestCount();
    TestProbe<MessageOutcome> outcome = testKit.createTestProbe();

    supervisor.tell(new RuntimeSupervisor.SendMessage("[[delay:250]][[chunks:24]][[reply:a slow "
        + "gateway answer " + marker + "]]", true, outcome.getRef()));
    TestProbe<GatewayStatus> linkStatus = watchLink(supervisor, RuntimeSupervisor.LOCAL);
    awaitProviderRequest(before, marker);
    link.cut();
    awaitLink(linkStatus, LinkState.DOWN);
    link.restore();
    MessageOutcome result = outcome.receiveMessage(TIMEOUT);

    assertEquals(MessageOutcome.Route.GATEWAY_LOCAL, result.route(), result.toString());
    assertTrue(result.ok() && result.text().contains(marker), result.toString());
    assertTrue(result.note().orElse("").contains("re-attached"), result.toString());
    testKit.stop(supervisor);
  }

  /** Kills the shared gateway once (it is restarted for the suites after this one). */
  @Test
  void aKilledGatewayMeansOfflineLocalReRunsAndTheLinkReturnsByItselfAfterARestart()
      {
    TestProbe<RuntimeSupervisor.ModeChanged> changes = testKit.createTestProbe();
    GatewayEndpoint direct = GatewayEndpoint.of("local", gateway.url(), gateway.token())
        .withStateDir(root.resolve("gateways").resolve("direct"))
        .withReconnectBackoff(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0,
            0.2));
    ActorRef<RuntimeSupervisor.Command> supervisor = supervisor(
        settings(Mode.AUTO, Optional.of(direct), Optional.empty()), changes);
    awaitMode(changes, EffectiveMode.LOCAL);
    String marker = UUID.randomUUID().toString();
    int before = gateway.provider().requestCount();
    TestProbe<MessageOutcome> inFlight = testKit.createTestProbe();
    supervisor.tell(new RuntimeSupervisor.SendMessage("[[delay:300]][[chunks:30]][[reply:"
        + "doomed gateway answer " + marker + "]]", true, inFlight.getRef()));
    awaitProviderRequest(before, marker);

    try {
      gateway.kill();
      awaitMode(changes, EffectiveMode.OFFLINE);

      MessageOutcome duringOutage = send(supervisor, "[[reply:codex while the gateway is dead]]",
          true);
      assertEquals(MessageOutcome.Route.LOCAL_CODEX, duringOutage.route());
      MessageOutcome rerun = inFlight.receiveMessage(TIMEOUT);
      assertEquals(MessageOutcome.Route.LOCAL_CODEX, rerun.route(), rerun.toString());
      assertTrue(rerun.note().orElse("").contains("re-ran on local Codex"), rerun.toString());
      assertTrue(rerun.text().contains("doomed gateway answer " + marker), rerun.toString());
    } finally {
      gateway.restart();
    }
    awaitMode(changes, EffectiveMode.LOCAL);
    testKit.stop(supervisor);
  }

  /** Until the gateway asked the model about {@code marker}: its run is under way. */
  private static void awaitProviderRequest(int after, String marker) {
    await().atMost(TIMEOUT).until(() -> gateway.provider().requests().stream().skip(after)
        .anyMatch(request -> request.lastUserText().contains(marker)));
  }
}
