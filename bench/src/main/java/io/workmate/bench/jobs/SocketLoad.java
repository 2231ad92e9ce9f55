package io.workmate.bench.jobs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * A lean HTTP/1.1 load client: a fixed set of keep-alive connections, each served by one thread
 * that writes a request, reads its response and takes the next due request. Measured against the
 * same service in the same run, the JDK {@code HttpClient} added 5 to 10 ms to the median on
 * 2 cores (its selector thread and executor handoffs), which is the client's latency, not the
 * service's; this keeps the load generator's share small.
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

  /** One keep-alive connection and its buffered streams. */
  private record Connection(Socket socket, InputStream in, OutputStream out) {}

  private void serve() {
    Connection connection = null;
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
            connection = connect();
          }
          status = exchange(connection, next.index());
        } catch (IOException e) {
          status = -1;
          firstError.compareAndSet(null, e.toString());
          closeQuietly(connection);
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
      closeQuietly(connection);
    }
  }

  private Connection connect() throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(30_000);
    socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
    return new Connection(socket, new BufferedInputStream(socket.getInputStream()),
        new BufferedOutputStream(socket.getOutputStream()));
  }

  private int exchange(Connection connection, int index) throws IOException {
    byte[] content = body.apply(index).getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
    connection.out().write(head.getBytes(StandardCharsets.US_ASCII));
    connection.out().write(content);
    connection.out().flush();
    return readResponse(connection.in());
  }

  /** Reads one response (status line, headers, a Content-Length or chunked body); its status. */
  static int readResponse(InputStream in) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    long length = 0;
    boolean chunked = false;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim();
      String value = header.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
          size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
        skip(in, size);
        line(in);
      }
      line(in);
    } else {
      skip(in, length);
    }
    return status;
  }

  private static void skip(InputStream in, long bytes) throws IOException {
    in.skipNBytes(bytes); // EOFException when the connection ends first
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("the connection closed mid-response");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.socket().close();
      } catch (IOException ignored) {
        // closing a connection we give up on
      }
    }
  }

  @Override
  public void close() {
    workers.forEach(worker -> due.add(STOP));
  }
}
