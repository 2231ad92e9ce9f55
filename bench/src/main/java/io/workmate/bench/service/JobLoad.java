package io.workmate.bench.service;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The jobs bench's load at its full rate: {@code POST /v1/jobs} over keep-alive HTTP/1.1
 * connections on plain sockets (as {@code jobs/SocketLoad} sends them), but closed-loop: each
 * connection sends its next job as soon as the last was answered, so the service sets the rate.
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
    Socket socket = null;
    InputStream in = null;
    OutputStream out = null;
    while (System.nanoTime() < endNanos) {
      int index = next.getAndIncrement();
      boolean codex = codexEvery > 0 && index % codexEvery == 0;
      try {
        if (socket == null) {
          socket = new Socket();
          socket.setTcpNoDelay(true);
          socket.setSoTimeout(30_000);
          socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
          in = new BufferedInputStream(socket.getInputStream());
          out = new BufferedOutputStream(socket.getOutputStream());
        }
        int status = exchange(in, out, body(index, codex));
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
        closeQuietly(socket);
        socket = null;
      }
    }
    closeQuietly(socket);
  }

  private static String body(int index, boolean codex) {
    return codex ? "{\"prompt\": \"[[reply:load " + index + "]]\"}"
        : "{\"prompt\": \"load " + index + "\", \"agent\": \"echo\"}";
  }

  private int exchange(InputStream in, OutputStream out, String body) throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/jobs HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(content);
    out.flush();
    return readResponse(in);
  }

  /** Reads one response (status line, headers, a Content-Length or chunked body); its status. */
  private static int readResponse(InputStream in) throws IOException {
    String[] parts = line(in).split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP response: " + String.join(" ", parts));
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
      for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
        in.skipNBytes(size);
        line(in);
      }
      line(in);
    } else {
      in.skipNBytes(length);
    }
    return status;
  }

  private static long chunkSize(InputStream in) throws IOException {
    return Long.parseLong(line(in).split(";")[0].trim(), 16);
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

  private static void closeQuietly(Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // a connection we give up on
      }
    }
  }
}
