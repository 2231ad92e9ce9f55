package io.workmate.gateway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * A minimal client of the OpenClaw gateway's WebSocket protocol (v4) for tests, on the JDK's
 * {@link WebSocket}: JSON text frames in, frames out, and waits for a frame that matches. Every
 * received frame is kept until a wait takes it, so nothing is lost between two waits (the gateway
 * speaks first and answers some requests twice).
 */
public final class GatewaySocket implements AutoCloseable {

  public static final int PROTOCOL_VERSION = 4;
  /** Close code the JDK reports when the connection ended without a close frame. */
  public static final int ABNORMAL_CLOSE = 1006;

  private static final ObjectMapper JSON = new ObjectMapper();
  /** One client for every plain socket: each JDK client keeps its own selector thread. */
  private static final HttpClient PLAIN = HttpClient.newHttpClient();

  private final WebSocket socket;
  private final Inbox inbox;

  private GatewaySocket(WebSocket socket, Inbox inbox) {
    this.socket = socket;
    this.inbox = inbox;
  }

  /** Opens {@code ws://} (or {@code wss://} with the platform's trust) and returns when open. */
  public static GatewaySocket open(URI url, Duration timeout) {
    return open(url, null, timeout);
  }

  /** Opens with a custom TLS context (e.g. {@link PinnedCertificate#sslContext}); null = default. */
  public static GatewaySocket open(URI url, SSLContext tls, Duration timeout) {
    HttpClient client = tls == null ? PLAIN : HttpClient.newBuilder().sslContext(tls).build();
    Inbox inbox = new Inbox();
    CompletableFuture<WebSocket> opening =
        client.newWebSocketBuilder().connectTimeout(timeout).buildAsync(url, inbox);
    try {
      return new GatewaySocket(opening.get(timeout.toMillis(), TimeUnit.MILLISECONDS), inbox);
    } catch (ExecutionException failed) {
      throw new UncheckedIOException(
          new IOException("cannot open " + url + ": " + failed.getCause(), failed.getCause()));
    } catch (TimeoutException slow) {
      opening.cancel(true);
      throw new UncheckedIOException(new IOException("opening " + url + " took over " + timeout));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening " + url, interrupted);
    }
  }

  /**
   * The {@code connect} request of a backend operator with the shared token: the identity the
   * reference measurements found accepted on loopback without a device key.
   */
  public static ObjectNode connectRequest(String id, String token) {
    ObjectNode params = JSON.createObjectNode();
    params.put("minProtocol", PROTOCOL_VERSION).put("maxProtocol", PROTOCOL_VERSION);
    params.putObject("client").put("id", "gateway-client").put("version", "test")
        .put("platform", "linux").put("mode", "backend");
    params.put("role", "operator");
    params.putArray("scopes").add("operator.read").add("operator.write").add("operator.admin");
    params.putArray("caps");
    params.putObject("auth").put("token", token);
    return request(id, "connect", params);
  }

  /** A request frame {@code {"type":"req","id":…,"method":…,"params":…}}. */
  public static ObjectNode request(String id, String method, ObjectNode params) {
    ObjectNode frame = JSON.createObjectNode().put("type", "req").put("id", id);
    frame.put("method", method).set("params", params);
    return frame;
  }

  /** A fresh JSON object, for building request params. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Waits for the server's first frame, the {@code connect.challenge} event. */
  public JsonNode awaitChallenge(Duration timeout) {
    return awaitFrame(frame -> isEvent(frame, "connect.challenge"), timeout);
  }

  /**
   * The whole handshake: challenge, {@code connect} with the token, and the answer ({@code ok}
   * with a {@code hello-ok} payload, or an error frame).
   */
  public JsonNode handshake(String token, Duration timeout) {
    awaitChallenge(timeout);
    send(connectRequest("r1", token));
    return awaitResponse("r1", timeout);
  }

  public void send(JsonNode frame) {
    try {
      socket.sendText(frame.toString(), true).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException failed) {
      throw new UncheckedIOException(new IOException("cannot send " + frame.path("type") + " "
          + frame.path("method") + ": " + failed, failed));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending", interrupted);
    }
  }

  /** Takes the next response frame for request {@code id} (the {@code agent} method sends two). */
  public JsonNode awaitResponse(String id, Duration timeout) {
    return awaitFrame(
        frame -> "res".equals(frame.path("type").asText()) && id.equals(frame.path("id").asText()),
        timeout);
  }

  /**
   * Takes (removes and returns) the oldest received frame that matches; fails with the frames
   * seen so far when none arrives in time or the socket closes first.
   */
  public JsonNode awaitFrame(Predicate<JsonNode> matches, Duration timeout) {
    return inbox.take(matches, timeout);
  }

  /** Completes with the close code (1006 for a dropped connection) when the socket closes. */
  public CompletableFuture<Integer> closed() {
    return inbox.closed;
  }

  public boolean isClosed() {
    return inbox.closed.isDone();
  }

  /** Closes politely and drops the connection; safe to call on a closed socket. */
  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "test done").exceptionally(ignored -> null);
    }
    socket.abort();
  }

  public static boolean isEvent(JsonNode frame, String name) {
    return "event".equals(frame.path("type").asText()) && name.equals(frame.path("event").asText());
  }

  /** A wait ended without the frame: the socket closed or the time ran out. */
  public static final class FrameNotReceived extends AssertionError {
    private static final long serialVersionUID = 1L;

    FrameNotReceived(String message) {
      super(message);
    }
  }

  /** Collects text frames (reassembling fragments) and the close, for the waits above. */
  private static final class Inbox implements WebSocket.Listener {

    /** How many recent frames a failed wait quotes (ticks and health events add up). */
    private static final int SEEN_LIMIT = 40;

    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> seen = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      markClosed(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      markClosed(ABNORMAL_CLOSE);
    }

    private synchronized void add(String text) {
      try {
        frames.add(JSON.readTree(text));
      } catch (IOException notJson) {
        frames.add(JSON.createObjectNode().put("type", "unparseable").put("text", text));
      }
      seen.add(text.length() > 300 ? text.substring(0, 300) + "…" : text);
      if (seen.size() > SEEN_LIMIT) {
        seen.remove(0);
      }
      notifyAll();
    }

    private synchronized void markClosed(int code) {
      closed.complete(code);
      notifyAll();
    }

    synchronized JsonNode take(Predicate<JsonNode> matches, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        JsonNode found = removeFirst(matches);
        if (found != null) {
          return found;
        }
        long left = deadline - System.nanoTime();
        if (closed.isDone() || left <= 0) {
          throw new FrameNotReceived(
              (closed.isDone() ? "socket closed (" + closed.join() + ")" : "timed out after "
                  + timeout) + " before the expected frame arrived; recent frames: " + seen);
        }
        waitNanos(left);
      }
    }

    private JsonNode removeFirst(Predicate<JsonNode> matches) {
      for (Iterator<JsonNode> it = frames.iterator(); it.hasNext(); ) {
        JsonNode frame = it.next();
        if (matches.test(frame)) {
          it.remove();
          return frame;
        }
      }
      return null;
    }

    private void waitNanos(long nanos) {
      try {
        TimeUnit.NANOSECONDS.timedWait(this, nanos);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a frame", interrupted);
      }
    }
  }
}
