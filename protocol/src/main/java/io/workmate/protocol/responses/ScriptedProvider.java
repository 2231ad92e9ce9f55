package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A local stand-in for the OpenAI Responses API that codex can use as its model provider (set its
 * {@code base_url} to {@link #baseUrl()}). It answers {@code POST /v1/responses} with scripted
 * Server-Sent-Event streams and records every request, so tests (and the offline demo) run real
 * codex turns without a model.
 *
 * <p>Each reply comes from, in order: the {@link #enqueue queue}, the custom {@link #setScript
 * script} when it returns non-null, then the {@link Directives} in the prompt.
 */
public final class ScriptedProvider implements AutoCloseable {

  public static final String RESPONSES_PATH = "/v1/responses";
  /** How long a {@link ScriptedReply.Stall} holds its connection if the provider is never closed. */
  public static final Duration STALL_CAP = Duration.ofMinutes(10);

  private static final ObjectMapper JSON = new ObjectMapper();
  // Room for a benchmark's 64 simultaneous connects without the kernel refusing any.
  private static final int ACCEPT_BACKLOG = 256;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final String host;
  private final Queue<ScriptedReply> queue = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private final AtomicLong responseSequence = new AtomicLong();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReplyStreamer streamer = new ReplyStreamer(closing, STALL_CAP);
  private volatile Function<RecordedRequest, ScriptedReply> script;
  private final FirstAttempts firstAttempts = new FirstAttempts();

  private ScriptedProvider(String host, HttpServer server, ExecutorService handlers) {
    this.host = host;
    this.server = server;
    this.handlers = handlers;
  }

  /** Starts on 127.0.0.1 with an ephemeral port. */
  public static ScriptedProvider start() {
    return start("127.0.0.1", 0);
  }

  /** Starts on {@code host}:{@code port}; port 0 picks a free one (see {@link #port()}). */
  public static ScriptedProvider start(String host, int port) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), ACCEPT_BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind scripted provider to " + host + ":" + port, e);
    }
    // Unbounded, because every streaming or stalled request holds a thread for its whole life.
    ExecutorService handlers = Executors.newCachedThreadPool(daemonThreads());
    ScriptedProvider provider = new ScriptedProvider(host, server, handlers);
    server.createContext("/", provider::handle);
    server.setExecutor(handlers);
    server.start();
    return provider;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The value for codex's {@code base_url}, e.g. {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    String urlHost = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + urlHost + ":" + port() + "/v1";
  }

  /** Queues a reply for the next request; queued replies beat the script and the directives. */
  public void enqueue(ScriptedReply reply) {
    queue.add(Objects.requireNonNull(reply, "reply"));
  }

  /** Sets a custom script consulted after the queue; null (or a null answer) means directives. */
  public void setScript(Function<RecordedRequest, ScriptedReply> script) {
    this.script = script;
  }

  /** Every well-formed {@code POST /v1/responses} so far, in arrival order (a copy). */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  public int requestCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  /** Stops accepting, ends paused and stalled streams, and frees the port. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }

  private void handle(HttpExchange exchange) {
    try {
      route(exchange);
    } catch (IOException clientGoneOrProviderClosed) {
      // Nothing to report: the other side stopped listening or we are shutting down.
    } catch (RuntimeException scriptOrBug) {
      sendErrorQuietly(exchange, 500, "scripted provider failed: " + scriptOrBug);
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!RESPONSES_PATH.equals(path)) {
      sendError(exchange, 404, "no such endpoint: " + path + " (only POST " + RESPONSES_PATH + ")");
      return;
    }
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      sendError(exchange, 405, exchange.getRequestMethod() + " not allowed; use POST");
      return;
    }
    byte[] rawBody = readBody(exchange.getRequestBody());
    JsonNode body = parseObject(rawBody);
    if (body == null) {
      sendError(exchange, 400, "request body must be a JSON object");
      return;
    }
    RecordedRequest request = new RecordedRequest(path, headersOf(exchange), body);
    record(request);
    ScriptedReply reply = chooseReply(request);
    ResponseEvents events =
        new ResponseEvents(responseSequence.incrementAndGet(), body.path("model").textValue());
    streamer.write(exchange, reply, events, rawBody.length);
  }

  private ScriptedReply chooseReply(RecordedRequest request) {
    ScriptedReply queued = queue.poll();
    if (queued != null) {
      return queued;
    }
    Function<RecordedRequest, ScriptedReply> custom = script;
    ScriptedReply scripted = custom == null ? null : custom.apply(request);
    return scripted != null ? scripted : Directives.replyFor(request, firstAttempts);
  }

  private void record(RecordedRequest request) {
    synchronized (recorded) {
      recorded.add(request);
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** The body as a JSON object, or null when it is not one. */
  private static JsonNode parseObject(byte[] rawBody) {
    try {
      JsonNode node = JSON.readTree(rawBody);
      return node != null && node.isObject() ? node : null;
    } catch (IOException malformed) {
      return null;
    }
  }

  private static Map<String, String> headersOf(HttpExchange exchange) {
    Headers headers = exchange.getRequestHeaders();
    Map<String, String> flat = new HashMap<>();
    headers.forEach((name, values) -> flat.put(name, String.join(", ", values)));
    return flat;
  }

  private static void sendError(HttpExchange exchange, int status, String message)
      throws IOException {
    ReplyStreamer.sendJson(exchange, status, ResponseEvents.errorBody(status, message));
  }

  /** Best effort: once a stream has begun, the status line is gone and closing is all we can do. */
  private static void sendErrorQuietly(HttpExchange exchange, int status, String message) {
    if (exchange.getResponseCode() != -1) {
      return;
    }
    try {
      sendError(exchange, status, message);
    } catch (IOException clientGone) {
      // the client left; nothing else to tell it
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicLong count = new AtomicLong();
    return runnable -> {
      Thread thread = new Thread(runnable, "scripted-provider-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
