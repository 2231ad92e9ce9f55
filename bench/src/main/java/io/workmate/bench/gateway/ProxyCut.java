package io.workmate.bench.gateway;

import io.workmate.gateway.testkit.LoopbackProxy;
import io.workmate.gateway.testkit.OpenClawGateway;
import java.net.URI;

/**
 * A partition: the runtime talks to the gateway through a loopback TCP proxy, and the proxy
 * closes the connection on both sides. The client sees its TCP connection end without a
 * WebSocket close frame, the same signal a SIGKILLed gateway gives (the kernel closes the dead
 * process's sockets), at no restart cost. A kill delivers it later, once the kernel has freed the
 * dead process's memory; so cuts measure the runtime's own share of the failover.
 */
final class ProxyCut implements LinkFault {

  private final LoopbackProxy proxy;

  ProxyCut(OpenClawGateway gateway) {
    this.proxy = LoopbackProxy.start(gateway.port());
  }

  @Override
  public String label() {
    return "proxy cut (TCP closed)";
  }

  @Override
  public URI endpointUrl() {
    return URI.create("ws://127.0.0.1:" + proxy.port());
  }

  @Override
  public void inject() {
    proxy.cut();
  }

  @Override
  public void repair() {
    proxy.restore();
  }

  @Override
  public void close() {
    proxy.close();
  }
}
