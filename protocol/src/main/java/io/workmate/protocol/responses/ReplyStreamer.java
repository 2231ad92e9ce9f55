package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** Turns a {@link ScriptedReply} into the HTTP response codex reads. */
final class ReplyStreamer {

  private final CountDownLatch closing;
  private final Duration stallCap;

  ReplyStreamer(CountDownLatch closing, Duration stallCap) {
    this.closing = closing;
    this.stallCap = stallCap;
  }

  /**
   * Writes the whole reply. Throws IOException when the client goes away or the provider closes
   * mid-stream; the caller treats both as the end of this exchange.
   */
  void write(HttpExchange exchange, ScriptedReply reply, ResponseEvents events, long inputChars)
      throws IOException {
    long inputTokens = ResponseEvents.estimateTokens(inputChars);
    if (reply instanceof ScriptedReply.HttpError error) {
      sendJson(exchange, error.status(), ResponseEvents.errorBody(error.status(), error.message()));
    } else if (reply instanceof ScriptedReply.Text text) {
      streamText(exchange, text, events, inputTokens);
    } else if (reply instanceof ScriptedReply.ExecCommand exec) {
      ObjectNode call = events.execCommandDone(exec.cmd());
      streamToolCall(exchange, exec.delayMs(), call, events, inputTokens);
    } else if (reply instanceof ScriptedReply.ApplyPatch patch) {
      ObjectNode call = events.applyPatchDone(patch.patchText());
      streamToolCall(exchange, patch.delayMs(), call, events, inputTokens);
    } else if (reply instanceof ScriptedReply.EditFile edit) {
      ObjectNode call = events.applyPatchDone(edit.patchText());
      streamToolCall(exchange, edit.delayMs(), call, events, inputTokens);
    } else if (reply instanceof ScriptedReply.Failed failed) {
      streamFailure(exchange, failed, events);
    } else if (reply instanceof ScriptedReply.Stall) {
      streamStall(exchange, events);
    } else {
      throw new IllegalStateException("unhandled reply type " + reply);
    }
  }

  /** Sends a JSON body with the given status (used for scripted and protocol errors alike). */
  static void sendJson(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private void streamText(
      HttpExchange exchange, ScriptedReply.Text text, ResponseEvents events, long inputTokens)
      throws IOException {
    SseStream stream = SseStream.open(exchange, text.delayMs(), closing);
    stream.send(events.created());
    stream.send(events.messageAdded());
    for (String delta : text.deltas()) {
      stream.send(events.textDelta(delta));
    }
    stream.send(events.messageDone(text.text()));
    stream.send(events.completed(inputTokens, ResponseEvents.estimateTokens(text.text().length())));
  }

  /** Tool calls arrive whole in one output_item.done; codex then runs the tool and posts again. */
  private void streamToolCall(
      HttpExchange exchange, long delayMs, ObjectNode callDone, ResponseEvents events,
      long inputTokens) throws IOException {
    long outputTokens = ResponseEvents.estimateTokens(callDone.path("item").toString().length());
    SseStream stream = SseStream.open(exchange, delayMs, closing);
    stream.send(events.created());
    stream.send(callDone);
    stream.send(events.completed(inputTokens, outputTokens));
  }

  private void streamFailure(
      HttpExchange exchange, ScriptedReply.Failed failed, ResponseEvents events)
      throws IOException {
    SseStream stream = SseStream.open(exchange, 0, closing);
    stream.send(events.created());
    stream.send(events.failed(failed.message()));
  }

  /** Looks like a model that started answering and then hung: codex sees a live, silent stream. */
  private void streamStall(HttpExchange exchange, ResponseEvents events) throws IOException {
    SseStream stream = SseStream.open(exchange, 0, closing);
    stream.send(events.created());
    stream.send(events.messageAdded());
    stream.send(events.textDelta("Thinking"));
    stream.holdOpen(stallCap);
  }
}
