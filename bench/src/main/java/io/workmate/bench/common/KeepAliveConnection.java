package io.workmate.bench.common;

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

/**
 * One keep-alive HTTP/1.1 connection on a plain socket, for the load generators of the jobs and
 * service benches: it writes a JSON POST and reads the response, nothing more. Measured against
 * the same service in the same run, the JDK {@code HttpClient} added 5 to 10 ms to the median on
 * 2 cores (its selector thread and executor handoffs), which is the client's latency, not the
 * service's; this keeps the load generator's share small.
 */
public final class KeepAliveConnection implements AutoCloseable {

  private final URI base;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private KeepAliveConnection(URI base, Socket socket) throws IOException {
    this.base = base;
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = new BufferedOutputStream(socket.getOutputStream());
  }

  /** Connects to {@code base}'s host and port (5 s to connect, 30 s for each read). */
  public static KeepAliveConnection open(URI base) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
      return new KeepAliveConnection(base, socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** POSTs {@code json} to {@code path} and reads the whole response; its status. */
  public int post(String path, String json) throws IOException {
    byte[] content = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(content);
    out.flush();
    return readResponse(in);
  }

  /** Reads one response (status line, headers, a Content-Length or chunked body); its status. */
  private static int readResponse(InputStream in) throws IOException {
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
    // skipNBytes throws EOFException when the connection ends first
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

  /** Closes the socket; a failure to close a connection we give up on is ignored. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a connection we give up on
    }
  }

  /** {@link #close()} for a connection that may be null. */
  public static void closeQuietly(KeepAliveConnection connection) {
    if (connection != null) {
      connection.close();
    }
  }
}
