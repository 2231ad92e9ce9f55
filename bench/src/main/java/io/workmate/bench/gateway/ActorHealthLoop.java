package io.workmate.bench.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayReply;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Sequential {@code health} calls through a {@link GatewayConnection}: a driver actor that sends
 * the next {@link GatewayConnection.Call} from its reply handler, so each round trip is exactly
 * what a caller inside the runtime pays (two mailboxes, the connection's id bookkeeping and
 * per-call timer, encode/decode, the WebSocket stream), with no ask pattern, temporary actor or
 * future callback added on top. It completes {@code done} with one sample per call and stops.
 */
final class ActorHealthLoop {

  /** {@code health} takes no parameters; both clients send {@code {}}. */
  static final JsonNode NO_PARAMS = JsonNodeFactory.instance.objectNode();

  private final ActorContext<GatewayReply> context;
  private final ActorRef<GatewayConnection.Command> gateway;
  private final long[] samples;
  private final CompletableFuture<long[]> done;
  private int completed;
  private long sentAt;

  private ActorHealthLoop(ActorContext<GatewayReply> context,
      ActorRef<GatewayConnection.Command> gateway, int calls, CompletableFuture<long[]> done) {
    this.context = context;
    this.gateway = gateway;
    this.samples = new long[calls];
    this.done = done;
  }

  static Behavior<GatewayReply> create(ActorRef<GatewayConnection.Command> gateway, int calls,
      CompletableFuture<long[]> done) {
    return Behaviors.setup(context -> {
      ActorHealthLoop loop = new ActorHealthLoop(context, gateway, calls, done);
      loop.sendNext();
      return loop.behavior();
    });
  }

  /** One behavior for the whole loop: nothing is rebuilt per call. */
  private Behavior<GatewayReply> behavior() {
    return Behaviors.receive(GatewayReply.class)
        .onMessage(GatewayReply.Ok.class, ok -> {
          samples[completed++] = System.nanoTime() - sentAt;
          if (completed == samples.length) {
            done.complete(samples);
            return Behaviors.stopped();
          }
          sendNext();
          return Behaviors.same();
        })
        .onAnyMessage(failed -> {
          done.completeExceptionally(new IllegalStateException(
              "health call " + (completed + 1) + " through the actor failed: " + failed));
          return Behaviors.stopped();
        })
        .build();
  }

  private void sendNext() {
    sentAt = System.nanoTime();
    gateway.tell(GatewayConnection.Call.of("health", NO_PARAMS, context.getSelf()));
  }
}
