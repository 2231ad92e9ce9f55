package io.workmate.gateway.testkit;

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
import java.util.concurrent.TimeUnit;
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
  void aCutDropsTheGatewayConnectionAndRestoreLetsANewHandshakeThrough() throws Exception {
    OpenClawGateway gateway = OpenClawGateway.shared();
    try (LoopbackProxy proxy = LoopbackProxy.start(gateway.port())) {
      URI viaProxy = URI.create("ws://127.0.0.1:" + proxy.port());
      GatewaySocket socket = GatewaySocket.open(viaProxy, TIMEOUT);
      assertHelloOk(socket, gateway.token());
      assertEquals(1, proxy.connectionCount());

      proxy.cut();

      // No close frame crosses a partition: the client only sees its connection end. That takes
      // milliseconds; the bound is generous because a loaded CI machine can starve threads, and
      // still far below the 30 s tick after which the gateway itself would notice anything.
      int closeCode;
      try {
        closeCode = socket.closed().get(2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException notSeenYet) {
        // Twice in ten full runs the JDK client did not report the end of
        // a connection it was only reading from; a write into it makes it look, as a client's
        // next request or keepalive would.
        try {
          socket.send(GatewaySocket.request("probe", "health", GatewaySocket.object()));
        } catch (UncheckedIOException writeFailed) {
          // the write found the connection gone: that is the point
        }
        closeCode = socket.closed().get(CUT_NOTICED.toSeconds(), TimeUnit.SECONDS);
      }
      assertEquals(GatewaySocket.ABNORMAL_CLOSE, closeCode);
      assertEquals(0, proxy.connectionCount());
      assertThrows(UncheckedIOException.class, () -> GatewaySocket.open(viaProxy, TIMEOUT),
          "while cut, new connections are accepted and dropped before the upgrade");

      proxy.restore();

      try (GatewaySocket again = GatewaySocket.open(viaProxy, TIMEOUT)) {
        assertHelloOk(again, gateway.token());
      }
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
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
      try {
        Thread.sleep(20);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", interrupted);
      }
    }
  }
}
