package io.workmate.gateway;

import java.net.URI;
import org.apache.pekko.NotUsed;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * An in-process WebSocket server that plays a scripted gateway, for the malformed-frame and
 * protocol-edge cases a real gateway cannot be made to produce. Everything else is tested
 * against the real OpenClaw gateway.
 */
final class FakeGateway implements AutoCloseable {

  /** What the fake does with each connection; called on stream threads. */
  interface Script {
    void onOpen(Peer peer);

    void onText(Peer peer, String text);
  }

  /** One client connection, seen from the server. */
  static final class Peer {
    private final BoundedSourceQueue<Message> out;
    private final UniqueKillSwitch kill;
    final List<String> received = new CopyOnWriteArrayList<>();

    private Peer(BoundedSourceQueue<Message> out, UniqueKillSwitch kill) {
      this.out = out;
      this.kill = kill;
    }

    void send(String text) {
      out.offer(TextMessage.create(text));
    }

    void close() {
      kill.shutdown();
    }
  }

  private final ServerBinding binding;
  final List<Peer> peers = new CopyOnWriteArrayList<>();

  FakeGateway(ActorSystem<?> system, Script script) throws Exception {
    Flow<Message, Message, ?> perConnection =
        Flow.fromMaterializer((materializer, attributes) -> connection(script, materializer));
    this.binding = Http.get(system).newServerAt("127.0.0.1", 0)
        .bind(Directives.handleWebSocketMessages(perConnection))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Flow<Message, Message, ?> connection(Script script, Materializer materializer) {
    Pair<Pair<BoundedSourceQueue<Message>, UniqueKillSwitch>, Source<Message, NotUsed>> outbound =
        Source.<Message>queue(256).viaMat(KillSwitches.single(), Keep.both())
            .preMaterialize(materializer);
    Peer peer = new Peer(outbound.first().first(), outbound.first().second());
    peers.add(peer);
    Sink<Message, ?> inbound = Flow.<Message>create()
        .mapAsync(1, message -> message.isText()
            ? message.asTextMessage().toStrict(5_000, materializer)
                .thenApply(strict -> Optional.of(strict.text()))
            : java.util.concurrent.CompletableFuture.completedFuture(Optional.<String>empty()))
        .filter(Optional::isPresent)
        .map(Optional::get)
        .to(Sink.foreach(text -> {
          peer.received.add(text);
          script.onText(peer, text);
        }));
    script.onOpen(peer);
    return Flow.fromSinkAndSourceCoupled(inbound, outbound.second());
  }

  int connectionCount() {
    return peers.size();
  }

  Peer lastPeer() {
    return peers.get(peers.size() - 1);
  }

  URI url() {
    return URI.create("ws://127.0.0.1:" + binding.localAddress().getPort());
  }

  @Override
  public void close() throws java.util.concurrent.ExecutionException,
      java.util.concurrent.TimeoutException {
    peers.forEach(Peer::close);
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
