package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent-Events response body. Each event is flushed on its own, because the client (codex)
 * reacts to events as they arrive and tests observe streams mid-flight. Pauses and stalls wait on
 * the provider's closing latch so {@link ScriptedProvider#close()} ends them at once.
 */
final class SseStream {

  /** Thrown when the provider closes while a stream is pausing; the stream ends unfinished. */
  static final class ProviderClosedException extends IOException {
    ProviderClosedException() {
      super("scripted provider closed");
    }
  }

  private final OutputStream body;
  private final long delayMs;
  private final CountDownLatch closing;
  private boolean sentAny;

  private SseStream(OutputStream body, long delayMs, CountDownLatch closing) {
    this.body = body;
    this.delayMs = delayMs;
    this.closing = closing;
  }

  /** Sends 200 with an event-stream content type and a chunked body of unknown length. */
  static SseStream open(HttpExchange exchange, long delayMs, CountDownLatch closing)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    return new SseStream(exchange.getResponseBody(), delayMs, closing);
  }

  /** Writes one {@code event:}/{@code data:} pair, after the scripted pause if one is due. */
  void send(ObjectNode event) throws IOException {
    if (sentAny && delayMs > 0 && awaitClosing(Duration.ofMillis(delayMs))) {
      throw new ProviderClosedException();
    }
    sentAny = true;
    String frame = "event: " + event.path("type").asText() + "\ndata: " + event + "\n\n";
    body.write(frame.getBytes(StandardCharsets.UTF_8));
    body.flush();
  }

  /** Sends nothing more, keeping the connection open until the provider closes or the cap passes. */
  void holdOpen(Duration cap) {
    awaitClosing(cap);
  }

  /** True when the provider began closing within {@code timeout} (or this thread was interrupted). */
  private boolean awaitClosing(Duration timeout) {
    try {
      return closing.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return true;
    }
  }
}
