package io.workmate.gateway.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The partition proxy: on plain sockets, and between a WebSocket client and the real gateway. */
class LoopbackProxyTest {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final Duration CUT_NOTICED = Duration.ofSeconds(10);

  @Test
  void forwardsBytesBothWaysAndCountsOpenConnections() throws IOException {
    try (ServerSocket echo = echoServer();
        LoopbackProxy proxy = LoopbackProxy.start(echo.getLocalPort())) {
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
        byte[] message = "ping through the proxy".getBytes(StandardCharsets.UTF_8);
        client.getOutputStream().write(message);

        assertArrayEquals(message, client.getInputStream().readNBytes(message.length));
        assertEquals(1, proxy.connectionCount());
      }
      awaitTrue(() -> proxy.connectionCount() == 0, "the closed connection is forgotten");
    }
  }

  @Test
  void aCutEndsOpenConnectionsAndDropsNewOnesUntilRestored() throws IOException {
    try (ServerSocket echo = echoServer();
        LoopbackProxy proxy = LoopbackProxy.start(echo.getLocalPort());
        Socket before = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      before.setSoTimeout((int) CUT_NOTICED.toMillis());
      assertEchoes(before, "before the cut");
      assertEquals(1, proxy.connectionCount());

      proxy.cut();

      // No close frame crosses a partition: the client only sees its connection end.
      assertEnds(before, "the connection open at the cut");
      assertEquals(0, proxy.connectionCount());
      try (Socket during = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
        during.setSoTimeout((int) CUT_NOTICED.toMillis());
        assertEnds(during, "a connection made during the cut");
      }

      proxy.restore();

      try (Socket after = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
        after.setSoTimeout((int) CUT_NOTICED.toMillis());
        assertEchoes(after, "after the restore");
      }
    }
  }

  @Test
  void theRealGatewayHandshakesThroughTheProxyAndAgainAfterACut() throws Exception {
    // The cut itself is checked on plain sockets above. The JDK WebSocket client this test uses
    // now and then does not report a connection that ended (about one run in five on a loaded
    // machine, even while writing into it); Workmate itself does not use that client.
    OpenClawGateway gateway = OpenClawGateway.shared();
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port())) {
      URI viaProxy = URI.create("ws://127.0.0.1:" + proxy.port());
      try (GatewaySocket socket = GatewaySocket.open(viaProxy, TIMEOUT)) {
        assertHelloOk(socket, gateway.token());
        assertEquals(1, proxy.connectionCount());
        proxy.cut();
        assertEquals(0, proxy.connectionCount());
      }
      assertThrows(UncheckedIOException.class, () -> GatewaySocket.open(viaProxy, TIMEOUT),
          "while cut, new connections are accepted and dropped before the upgrade");

      proxy.restore();

      try (GatewaySocket again = GatewaySocket.open(viaProxy, TIMEOUT)) {
        assertHelloOk(again, gateway.token());
      }
    }
  }

  private static void assertEchoes(Socket socket, String when) throws IOException {
    byte[] message = ("ping " + when).getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(message);
    assertArrayEquals(message, socket.getInputStream().readNBytes(message.length), when);
  }

  /** The peer ended the connection: end of stream, or a reset, within the read timeout. */
  private static void assertEnds(Socket socket, String what) {
    try {
      assertEquals(-1, socket.getInputStream().read(), what + " sent data");
    } catch (java.net.SocketTimeoutException stillOpen) {
      throw new AssertionError(what + " was still open " + CUT_NOTICED.toSeconds()
          + " s later", stillOpen);
    } catch (IOException reset) {
      // a reset ends it too
    }
  }

  static void assertHelloOk(GatewaySocket socket, String token) {
    var response = socket.handshake(token, TIMEOUT);
    assertEquals("hello-ok", response.path("payload").path("type").asText(), response::toString);
  }

  /** Echoes every connection's bytes back on a daemon thread per connection. */
  private static ServerSocket echoServer() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket connection = server.accept();
          Thread echo = new Thread(() -> echo(connection), "echo");
          echo.setDaemon(true);
          echo.start();
        } catch (IOException closed) {
          return;
        }
      }
    }, "echo-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }

  private static void echo(Socket connection) {
    try (connection;
        InputStream in = connection.getInputStream();
        OutputStream out = connection.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException peerGone) {
      // the test is over with this connection
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    await(what).atMost(TIMEOUT).until(condition::getAsBoolean);
  }
}
