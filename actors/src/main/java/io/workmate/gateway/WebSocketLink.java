package io.workmate.gateway;

import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgradeResponse;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket to a gateway, on Pekko HTTP's client: text frames in (whole, in order, handed
 * to {@code onText}), text frames out through a bounded queue, and a kill switch so that closing
 * tears down both directions and the TCP connection. {@code onClosed} runs exactly once.
 */
final class WebSocketLink {

  private static final Logger log = LoggerFactory.getLogger(WebSocketLink.class);
  private static final int OUTBOUND_BUFFER = 1024;
  private static final long STRICT_TIMEOUT_MILLIS = 10_000;

  private final BoundedSourceQueue<Message> outbound;
  private final UniqueKillSwitch killSwitch;
  private final CompletionStage<Void> upgraded;

  private WebSocketLink(BoundedSourceQueue<Message> outbound, UniqueKillSwitch killSwitch,
      CompletionStage<Void> upgraded) {
    this.outbound = outbound;
    this.killSwitch = killSwitch;
    this.upgraded = upgraded;
  }

  /**
   * Starts connecting and returns at once: frames sent before the socket is up wait in the
   * queue, and frames may arrive before {@link #upgraded()} completes (the gateway speaks first).
   */
  static WebSocketLink open(ActorSystem<?> system, GatewayEndpoint endpoint,
      Consumer<String> onText, Consumer<String> onClosed) {
    Materializer materializer = Materializer.matFromSystem(system);
    // callbacks get the system's executor: without one, on 2 CPUs each would start a thread
    java.util.concurrent.Executor executor = system.executionContext();
    Sink<Message, CompletionStage<Done>> inbound = Flow.<Message>create()
        .mapAsync(1, message -> textOf(message, materializer, executor))
        .filter(Optional::isPresent)
        .map(Optional::get)
        .toMat(Sink.foreach(onText::accept), Keep.right());
    Source<Message, Pair<BoundedSourceQueue<Message>, UniqueKillSwitch>> outbound =
        Source.<Message>queue(OUTBOUND_BUFFER).viaMat(KillSwitches.single(), Keep.both());
    Flow<Message, Message, Pair<CompletionStage<Done>,
        Pair<BoundedSourceQueue<Message>, UniqueKillSwitch>>> flow =
        Flow.fromSinkAndSourceCoupledMat(inbound, outbound, Keep.both());

    WebSocketRequest request = WebSocketRequest.create(endpoint.url().toString());
    Http http = Http.get(system);
    Pair<CompletionStage<WebSocketUpgradeResponse>,
        Pair<CompletionStage<Done>, Pair<BoundedSourceQueue<Message>, UniqueKillSwitch>>> started =
        endpoint.secure()
            ? http.singleWebSocketRequest(request, flow, tls(endpoint), materializer)
            : http.singleWebSocketRequest(request, flow, materializer);

    UniqueKillSwitch killSwitch = started.second().second().second();
    CompletionStage<Void> upgraded = started.first().thenApplyAsync(upgrade -> {
      if (!upgrade.isValid()) {
        killSwitch.shutdown();
        throw new IllegalStateException("WebSocket upgrade refused: "
            + upgrade.invalidationReason());
      }
      return null;
    }, executor);
    started.second().first().whenCompleteAsync((done, failure) ->
        onClosed.accept(failure == null ? "closed by the gateway" : describe(failure)), executor);
    return new WebSocketLink(started.second().second().first(), killSwitch, upgraded);
  }

  /** Completes when the HTTP upgrade succeeded; fails with the reason otherwise. */
  CompletionStage<Void> upgraded() {
    return upgraded;
  }

  private static CompletionStage<Optional<String>> textOf(Message message,
      Materializer materializer, java.util.concurrent.Executor executor) {
    if (message.isText()) {
      TextMessage text = message.asTextMessage();
      if (text.isStrict()) {
        // the common case: a completed stage lets mapAsync go on without a thread hop
        return java.util.concurrent.CompletableFuture.completedFuture(
            Optional.of(text.getStrictText()));
      }
      return text.toStrict(STRICT_TIMEOUT_MILLIS, materializer)
          .thenApplyAsync(strict -> Optional.of(strict.text()), executor);
    }
    // the protocol is text only; drain binary frames so the stream keeps going
    return message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer)
        .thenApplyAsync(done -> Optional.empty(), executor);
  }

  /**
   * With a pinned fingerprint only that certificate is trusted and the host name is not
   * checked (self-signed pairs name no host); without one, the JDK's trust store and host
   * name verification apply.
   */
  private static HttpsConnectionContext tls(GatewayEndpoint endpoint) {
    if (endpoint.fingerprint().isEmpty()) {
      return ConnectionContext.httpsClient((host, port) -> {
        SSLEngine engine = defaultContext().createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
      });
    }
    javax.net.ssl.SSLContext pinned = PinnedCertificate.sslContext(endpoint.fingerprint().get());
    return ConnectionContext.httpsClient((host, port) -> {
      SSLEngine engine = pinned.createSSLEngine(host, port);
      engine.setUseClientMode(true);
      return engine;
    });
  }

  private static javax.net.ssl.SSLContext defaultContext() {
    try {
      return javax.net.ssl.SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void send(String text) {
    QueueOfferResult result = outbound.offer(TextMessage.create(text));
    if (result != QueueOfferResult.enqueued()) {
      log.warn("a frame to the gateway was not sent ({})", result);
    }
  }

  void close() {
    killSwitch.shutdown();
  }

  static String describe(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause.getCause() != null
        && cause.getMessage() == null) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    if (message == null) {
      return cause.getClass().getSimpleName();
    }
    // Pekko's TCP errors wrap the useful part: "... failed because of java.net.X: reason"
    int because = message.lastIndexOf("because of ");
    return because >= 0 ? message.substring(because + "because of ".length()) : message;
  }
}
