package io.workmate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.workmate.codex.ThreadSettings;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayStatus;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router sends gateway commands to the connection of the runtime's mode. Offline (nothing
 * listens at either URL), it prefers the remote connection, and a command sent before it knew
 * the connections is not lost.
 */
class GatewayRouterTest {

  private static ActorTestKit testKit;

  @TempDir static Path root;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("gateway-router");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void commandsReachTheConnectionOfTheCurrentModeOrTheRemoteOneOffline() throws Exception {
    GatewayEndpoint local = endpoint("local");
    GatewayEndpoint remote = endpoint("remote");
    ActorRef<RuntimeSupervisor.Command> runtime = testKit.spawn(RuntimeSupervisor.create(
        RuntimeSettings.of(Mode.AUTO, Optional.of(local), Optional.of(remote),
            ThreadSettings.defaults(root)), testKit.createTestProbe().getRef().narrow()));
    ActorRef<GatewayConnection.Command> router = testKit.spawn(GatewayRouter.create(runtime));

    TestProbe<GatewayStatus> status = testKit.createTestProbe();
    router.tell(new GatewayConnection.GetStatus(status.getRef()));
    GatewayStatus answered = status.receiveMessage(Duration.ofSeconds(10));
    assertEquals(remote.url(), answered.url(), "offline with both configured: the remote one");

    ActorRef<GatewayConnection.Command> localOnly = testKit.spawn(GatewayRouter.create(
        testKit.spawn(RuntimeSupervisor.create(RuntimeSettings.of(Mode.AUTO, Optional.of(local),
            Optional.empty(), ThreadSettings.defaults(root)),
            testKit.createTestProbe().getRef().narrow()))));
    localOnly.tell(new GatewayConnection.GetStatus(status.getRef()));
    assertEquals(local.url(), status.receiveMessage(Duration.ofSeconds(10)).url());
  }

  /** A ws:// URL where nothing listens (a port just freed). */
  private static GatewayEndpoint endpoint(String name) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return GatewayEndpoint.of(name, URI.create("ws://127.0.0.1:" + port), "token")
        .withStateDir(root.resolve(name));
  }
}
