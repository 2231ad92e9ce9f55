package io.workmate.bench.service;

import io.workmate.bench.common.KeepAliveConnection;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The jobs bench's load at its full rate: {@code POST /v1/jobs} over keep-alive HTTP/1.1
 * connections on plain sockets ({@link KeepAliveConnection}, as {@code jobs/SocketLoad} sends
 * them), but closed-loop: each connection sends its next job as soon as the last was answered,
 * so the service sets the rate.
 * Jobs go to the no-op echo agent, as in the jobs bench, except one in {@code codexEvery}, a
 * scripted Codex turn, so the Codex pool works too.
 */
final class JobLoad {

  /** What the load did. */
  record Result(long accepted, long codexAccepted, long errors, Duration took, String firstError) {
    double acceptedPerSecond() {
      return accepted / (took.toNanos() / 1e9);
    }
  }

  private final URI base;
  private final int connections;
  private final int codexEvery;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong codexAccepted = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  JobLoad(URI base, int connections, int codexEvery) {
    this.base = base;
    this.connections = connections;
    this.codexEvery = codexEvery;
  }

  /** Runs the load for {@code length}; returns once every connection has stopped. */
  Result run(Duration length) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + length.toNanos();
    List<Thread> workers = new ArrayList<>();
    for (int n = 0; n < connections; n++) {
      Thread worker = new Thread(() -> send(end), "load-" + n);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    return new Result(accepted.get(), codexAccepted.get(), errors.get(),
        Duration.ofNanos(System.nanoTime() - start), firstError.get());
  }

  private void send(long endNanos) {
    KeepAliveConnection connection = null;
    while (System.nanoTime() < endNanos) {
      int index = next.getAndIncrement();
      boolean codex = codexEvery > 0 && index % codexEvery == 0;
      try {
        if (connection == null) {
          connection = KeepAliveConnection.open(base);
        }
        int status = connection.post("/v1/jobs", body(index, codex));
        if (status == 202) {
          accepted.incrementAndGet();
          if (codex) {
            codexAccepted.incrementAndGet();
          }
        } else {
          errors.incrementAndGet();
          firstError.compareAndSet(null, "HTTP " + status);
        }
      } catch (IOException e) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, e.toString());
        KeepAliveConnection.closeQuietly(connection);
        connection = null;
      }
    }
    KeepAliveConnection.closeQuietly(connection);
  }

  private static String body(int index, boolean codex) {
    return codex ? "{\"prompt\": \"[[reply:load " + index + "]]\"}"
        : "{\"prompt\": \"load " + index + "\", \"agent\": \"echo\"}";
  }
}
