package io.workmate.bench.gateway;

import io.workmate.gateway.testkit.OpenClawGateway;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A crash: SIGKILL to the gateway's main process, the one holding the listener and the runtime's
 * WebSocket. Its node workers hold no client connection; the repair finishes them off through
 * the fixture's {@link OpenClawGateway#kill()} (whose process-tree scans stay out of the measured
 * time) and restarts the gateway on the same port, which takes 15-60 s on two cores.
 *
 * <p>It also notes when the killed process was reaped: a dead process's sockets close only after
 * the kernel has freed its memory (about 1 GB here), which is time the runtime cannot save.
 */
final class GatewayKill implements LinkFault {

  private final OpenClawGateway gateway;
  private final List<Duration> restartTimes = new ArrayList<>();
  private final List<Duration> exitTimes = new ArrayList<>();
  private Thread exitWatcher;

  GatewayKill(OpenClawGateway gateway) {
    this.gateway = gateway;
  }

  @Override
  public String label() {
    return "gateway SIGKILL";
  }

  @Override
  public URI endpointUrl() {
    return gateway.url();
  }

  @Override
  public void inject() {
    ProcessHandle main = ProcessHandle.of(gateway.pid()).orElseThrow(
        () -> new IllegalStateException("the gateway process is already gone"));
    long signalled = System.nanoTime();
    main.destroyForcibly();
    exitWatcher = new Thread(() -> {
      main.onExit().join(); // a blocking wait on this thread, no callback on a shared pool
      synchronized (exitTimes) {
        exitTimes.add(Duration.ofNanos(System.nanoTime() - signalled));
      }
    }, "gateway-exit-watch");
    exitWatcher.setDaemon(true);
    exitWatcher.start();
  }

  @Override
  public void repair() {
    awaitExitWatcher();
    gateway.kill();
    gateway.restart();
    restartTimes.add(gateway.lastStartupTime());
  }

  /** How long each restart took until the gateway answered a handshake. */
  List<Duration> restartTimes() {
    return List.copyOf(restartTimes);
  }

  /** From each SIGKILL until the JVM saw the gateway's main process exit. */
  List<Duration> exitTimes() {
    synchronized (exitTimes) {
      return List.copyOf(exitTimes);
    }
  }

  private void awaitExitWatcher() {
    try {
      exitWatcher.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
