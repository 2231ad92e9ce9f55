package io.workmate.bench.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.testkit.GatewaySocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The floor for a gateway round trip: a bare JDK {@link WebSocket} with the same handshake the
 * fixture uses (shared token, backend operator) and a loop of send-then-wait on the calling
 * thread. Like the actor it parses every frame with Jackson (any client must), but it has no
 * mailboxes, no request bookkeeping and no timers.
 */
final class RawGatewayClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final WebSocket socket;
  private final FrameListener frames;
  private final String serverVersion;
  private long requestCounter;

  private RawGatewayClient(WebSocket socket, FrameListener frames, String serverVersion) {
    this.socket = socket;
    this.frames = frames;
    this.serverVersion = serverVersion;
  }

  /** Opens the socket and completes the handshake (challenge, connect, hello-ok). */
  static RawGatewayClient connect(URI url, String token, Duration timeout) throws Exception {
    FrameListener frames = new FrameListener();
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(timeout)
        .buildAsync(url, frames).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    frames.challenge.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    send(socket, GatewaySocket.connectRequest("connect", token));
    JsonNode hello = frames.awaitResponse("connect", timeout);
    if (!hello.path("ok").asBoolean()) {
      socket.abort();
      throw new IOException("the gateway refused the raw client's connect: " + hello);
    }
    return new RawGatewayClient(socket, frames,
        hello.path("payload").path("server").path("version").asText("?"));
  }

  /** The OpenClaw version from {@code hello-ok}. */
  String serverVersion() {
    return serverVersion;
  }

  /** {@code calls} sequential {@code health} round trips; one sample (ns) per call. */
  long[] healthRoundTrips(int calls) throws Exception {
    long[] samples = new long[calls];
    for (int i = 0; i < calls; i++) {
      String id = "h" + (++requestCounter);
      ObjectNode request = GatewaySocket.request(id, "health", GatewaySocket.object());
      long start = System.nanoTime();
      send(socket, request);
      JsonNode response = frames.awaitResponse(id, CALL_TIMEOUT);
      samples[i] = System.nanoTime() - start;
      if (!response.path("ok").asBoolean()) {
        throw new IOException("health call " + (i + 1) + " failed: " + response);
      }
    }
    return samples;
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bench done");
    socket.abort();
  }

  private static void send(WebSocket socket, JsonNode frame) throws Exception {
    // the JDK allows one outstanding send; waiting for it costs microseconds
    socket.sendText(frame.toString(), true).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reassembles text frames, completes the challenge, and queues responses for the caller. */
  private static final class FrameListener implements WebSocket.Listener {

    private static final JsonNode CLOSED = JSON.createObjectNode().put("type", "closed");

    final CompletableFuture<JsonNode> challenge = new CompletableFuture<>();
    private final BlockingQueue<JsonNode> responses = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        accept(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    private void accept(String text) {
      JsonNode frame;
      try {
        frame = JSON.readTree(text);
      } catch (IOException notJson) {
        return;
      }
      if ("res".equals(frame.path("type").asText())) {
        responses.add(frame);
      } else if (GatewaySocket.isEvent(frame, "connect.challenge")) {
        challenge.complete(frame);
      }
      // other events (tick, health) are parsed and dropped, as the actor drops unwatched ones
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      responses.add(CLOSED);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      responses.add(CLOSED);
    }

    JsonNode awaitResponse(String id, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        JsonNode frame = responses.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (frame == null || frame == CLOSED) {
          throw new IOException((frame == null ? "no answer within " + timeout
              : "the socket closed") + " while waiting for response " + id);
        }
        if (id.equals(frame.path("id").asText())) {
          return frame;
        }
      }
    }
  }
}
