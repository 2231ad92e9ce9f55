package io.workmate.bench.jobs;

import io.workmate.bench.common.KeepAliveConnection;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * A lean HTTP/1.1 load client: a fixed set of keep-alive connections ({@link
 * KeepAliveConnection}, rather than the JDK {@code HttpClient}, whose own latency would show in
 * the figures), each served by one thread that writes a request, reads its response and takes
 * the next due request.
 *
 * <p>Requests are handed out at their due times by the caller ({@link #send}); a request that
 * waits for a free connection is still charged from its due time.
 */
final class SocketLoad implements AutoCloseable {

  /** One request to send: its index in the run and when it was due. */
  private record Due(int index, long dueNanos) {}

  private static final Due STOP = new Due(-1, 0);

  private final URI base;
  private final String path;
  private final IntFunction<String> body;
  private final BlockingQueue<Due> due = new LinkedBlockingQueue<>();
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile Run run;

  /** Where the current run's results go. */
  static final class Run {
    final long[] latencies;
    final int expectedStatus;
    final CountDownLatch done;
    final AtomicLong errors = new AtomicLong();

    Run(int count, int expectedStatus) {
      this.latencies = new long[count];
      this.expectedStatus = expectedStatus;
      this.done = new CountDownLatch(count);
    }

    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
      return done.await(timeout, unit);
    }

    long errors() {
      return errors.get();
    }
  }

  /** {@code connections} connections to {@code base}, each POSTing {@code body(i)} to {@code path}. */
  SocketLoad(URI base, String path, IntFunction<String> body, int connections) {
    this.base = base;
    this.path = path;
    this.body = body;
    for (int n = 0; n < connections; n++) {
      Thread worker = new Thread(this::serve, "load-" + n);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
  }

  /** Starts a run of {@code count} requests; each must be answered with {@code expectedStatus}. */
  Run begin(int count, int expectedStatus) {
    Run next = new Run(count, expectedStatus);
    run = next;
    return next;
  }

  /** Hands request {@code index} of the current run, due at {@code dueNanos}, to a connection. */
  void send(int index, long dueNanos) {
    due.add(new Due(index, dueNanos));
  }

  /** The first failure seen, if any. */
  String firstError() {
    return firstError.get();
  }

  private void serve() {
    KeepAliveConnection connection = null;
    try {
      while (true) {
        Due next = due.take();
        if (next == STOP) {
          return;
        }
        Run current = run;
        int status;
        try {
          if (connection == null) {
            connection = KeepAliveConnection.open(base);
          }
          status = connection.post(path, body.apply(next.index()));
        } catch (IOException e) {
          status = -1;
          firstError.compareAndSet(null, e.toString());
          KeepAliveConnection.closeQuietly(connection);
          connection = null;
        }
        current.latencies[next.index()] = System.nanoTime() - next.dueNanos();
        if (status != current.expectedStatus) {
          current.errors.incrementAndGet();
          if (status > 0) {
            firstError.compareAndSet(null, "HTTP " + status);
          }
        }
        current.done.countDown();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      KeepAliveConnection.closeQuietly(connection);
    }
  }

  @Override
  public void close() {
    workers.forEach(worker -> due.add(STOP));
  }
}
