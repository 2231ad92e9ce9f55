package io.workmate.bench.codex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The least a client of {@code codex app-server} needs: JSON lines over the process's stdin and
 * stdout, requests matched to responses by id, notifications handed to one callback on the
 * reader thread. No actors, no typed protocol, no restarts: the floor the bench compares with.
 */
final class LineRpc {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedWriter stdin;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final BiConsumer<String, JsonNode> onNotification;

  LineRpc(Process process, BiConsumer<String, JsonNode> onNotification) {
    this.process = process;
    this.onNotification = onNotification;
    this.stdin = new BufferedWriter(
        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    Thread reader = new Thread(this::readLoop, "app-server-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Sends a request; the future completes (on the reader thread) with its result or fails. */
  CompletableFuture<JsonNode> call(String method, JsonNode params) {
    long id = ids.getAndIncrement();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode message = object().put("id", id).put("method", method);
    message.set("params", params);
    write(message);
    return answer;
  }

  void notify(String method) {
    write(object().put("method", method));
  }

  /** EOF on stdin is codex's cue to exit; waits for it so its CPU time is accounted. */
  void closeAndWait() throws InterruptedException {
    try {
      stdin.close();
    } catch (IOException alreadyGone) {
      // the process ended first
    }
    process.waitFor();
  }

  private void write(JsonNode message) {
    // several threads send (main, reader); one line must never interleave with another
    synchronized (stdin) {
      try {
        stdin.write(message.toString());
        stdin.write('\n');
        stdin.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("app-server stdin closed", e);
      }
    }
  }

  private void readLoop() {
    try (BufferedReader stdout = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = stdout.readLine()) != null) {
        dispatch(JSON.readTree(line));
      }
    } catch (IOException e) {
      pending.values().forEach(answer -> answer.completeExceptionally(e));
    }
    IllegalStateException gone = new IllegalStateException("app-server closed its stdout");
    pending.values().forEach(answer -> answer.completeExceptionally(gone));
  }

  private void dispatch(JsonNode message) {
    if (message.has("method")) {
      // a notification; with approval policy "never" codex sends no requests to answer
      onNotification.accept(message.get("method").asText(), message.path("params"));
      return;
    }
    CompletableFuture<JsonNode> answer = pending.remove(message.path("id").asLong(-1));
    if (answer == null) {
      return;
    }
    if (message.has("error")) {
      answer.completeExceptionally(
          new IllegalStateException("codex error: " + message.get("error")));
    } else {
      answer.complete(message.path("result"));
    }
  }
}
