package io.workmate.bench.gateway;

/**
 * {@code health} round trips through both clients.
 *
 * @param actor through the {@code GatewayConnection} actor
 * @param raw through a bare JDK WebSocket
 */
record RttResult(Latencies actor, Latencies raw, int warmup, int blocks,
    String serverVersion) {

  double meanRatio() {
    return actor.meanMs() / raw.meanMs();
  }

  double p50Ratio() {
    return actor.p50Ms() / raw.p50Ms();
  }
}
