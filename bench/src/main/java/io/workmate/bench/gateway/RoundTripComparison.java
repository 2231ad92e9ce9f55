package io.workmate.bench.gateway;

import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.testkit.OpenClawGateway;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Sequential {@code health} round trips to the same gateway through (a) a {@link
 * GatewayConnection} actor and (b) a raw JDK WebSocket, both connected directly (no proxy).
 * Both warm up first; the measured calls then alternate between the clients in blocks, with the
 * order flipped every block, so that drift (JIT, the gateway's background work, the other core's
 * load) is shared rather than charged to whichever client ran second.
 */
final class RoundTripComparison {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
  private static final long BLOCK_TIMEOUT_MINUTES = 10;

  private final OpenClawGateway gateway;
  private final GatewayBenchOptions options;
  private final PrintStream progress;

  RoundTripComparison(OpenClawGateway gateway, GatewayBenchOptions options,
      PrintStream progress) {
    this.gateway = gateway;
    this.options = options;
    this.progress = progress;
  }

  RttResult run() throws Exception {
    GatewayEndpoint endpoint = GatewayEndpoint.of("local", gateway.url(), gateway.token());
    try (BenchSystem<GatewayConnection.Command> actorSide =
            BenchSystem.start(GatewayConnection.create(endpoint), "rtt");
        RawGatewayClient raw =
            RawGatewayClient.connect(gateway.url(), gateway.token(), CONNECT_TIMEOUT)) {
      awaitConnected(actorSide);
      progress.printf("gateway-bench: health round trips: %d warm-up + %d measured per client%n",
          options.warmup(), options.calls());
      if (options.warmup() > 0) {
        throughActor(actorSide, options.warmup());
        raw.healthRoundTrips(options.warmup());
      }
      List<Latencies> actorBlocks = new ArrayList<>();
      List<Latencies> rawBlocks = new ArrayList<>();
      for (int block = 0; block < options.blocks(); block++) {
        int calls = blockSize(block);
        boolean actorFirst = block % 2 == 1;
        if (actorFirst) {
          actorBlocks.add(Latencies.of(throughActor(actorSide, calls)));
        }
        rawBlocks.add(Latencies.of(raw.healthRoundTrips(calls)));
        if (!actorFirst) {
          actorBlocks.add(Latencies.of(throughActor(actorSide, calls)));
        }
      }
      return new RttResult(Latencies.concat(actorBlocks.toArray(Latencies[]::new)),
          Latencies.concat(rawBlocks.toArray(Latencies[]::new)), options.warmup(),
          options.blocks(), raw.serverVersion());
    }
  }

  /** Splits the calls as evenly as possible; the first blocks take the remainder. */
  private int blockSize(int block) {
    int base = options.calls() / options.blocks();
    return base + (block < options.calls() % options.blocks() ? 1 : 0);
  }

  private static long[] throughActor(BenchSystem<GatewayConnection.Command> actorSide,
      int calls) throws Exception {
    CompletableFuture<long[]> done = new CompletableFuture<>();
    actorSide.spawn(ActorHealthLoop.create(actorSide.guardian(), calls, done),
        "health-loop-" + System.nanoTime());
    // a blocking get on the main thread: no callback runs on the common pool
    return done.get(BLOCK_TIMEOUT_MINUTES, TimeUnit.MINUTES);
  }

  /** Polls the connection's status until its handshake is done. */
  private static void awaitConnected(BenchSystem<GatewayConnection.Command> actorSide)
      throws Exception {
    long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
    GatewayStatus status;
    do {
      status = AskPattern.<GatewayConnection.Command, GatewayStatus>ask(actorSide.guardian(),
          GatewayConnection.GetStatus::new, Duration.ofSeconds(5),
          actorSide.system().scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (status.state().usable()) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new IllegalStateException("the GatewayConnection actor did not connect within "
        + CONNECT_TIMEOUT.toSeconds() + " s: " + status.state() + " " + status.detail());
  }
}
