package io.workmate.gateway.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte-level TCP proxy on 127.0.0.1 in front of a local port, to simulate network partitions
 * between a client and the gateway: {@link #cut()} drops every connection and refuses new ones
 * until {@link #restore()}. Being byte-level it carries WebSocket and TLS traffic unchanged.
 * Blocking sockets with a daemon thread per direction: a test proxy carries a handful of
 * connections.
 */
public final class LoopbackProxy implements AutoCloseable {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int BUFFER_BYTES = 16 * 1024;

  private final int targetPort;
  private final ServerSocket listener;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong threadCount = new AtomicLong();
  private volatile boolean cut;
  private volatile boolean closed;

  private LoopbackProxy(int targetPort, ServerSocket listener) {
    this.targetPort = targetPort;
    this.listener = listener;
  }

  /** Starts a proxy on a free loopback port forwarding to {@code 127.0.0.1:targetPort}. */
  public static LoopbackProxy start(int targetPort) {
    try {
      ServerSocket listener = new ServerSocket();
      listener.bind(new InetSocketAddress(LOOPBACK, 0));
      LoopbackProxy proxy = new LoopbackProxy(targetPort, listener);
      proxy.daemon("loopback-proxy-accept", proxy::acceptLoop).start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a loopback proxy port", e);
    }
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Open proxied connections (a connection counts until either side closes it). */
  public int connectionCount() {
    return connections.size();
  }

  /** The partition: closes every open connection on both sides and refuses new ones. */
  public void cut() {
    cut = true;
    connections.forEach(Connection::close);
  }

  /** Heals the partition: new connections are forwarded again (dropped ones stay dropped). */
  public void restore() {
    cut = false;
  }

  public boolean isCut() {
    return cut;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(listener);
    connections.forEach(Connection::close);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        handle(listener.accept());
      } catch (IOException listenerClosedOrFailed) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void handle(Socket client) {
    if (cut) {
      // Accept-then-close looks like a dead network path to the client, not a refused port.
      closeQuietly(client);
      return;
    }
    Socket target;
    try {
      target = new Socket(LOOPBACK, targetPort);
    } catch (IOException targetDown) {
      closeQuietly(client);
      return;
    }
    Connection connection = new Connection(client, target);
    connections.add(connection);
    if (cut) {
      // cut() ran while we were connecting and could not see this connection yet.
      connection.close();
      return;
    }
    connection.startPumps();
  }

  private Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name + "-" + threadCount.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception alreadyClosed) {
      // nothing left to release
    }
  }

  /** One client connection and its upstream twin, pumped by one thread per direction. */
  private final class Connection {

    private final Socket client;
    private final Socket target;

    Connection(Socket client, Socket target) {
      this.client = client;
      this.target = target;
    }

    void startPumps() {
      daemon("loopback-proxy-up", () -> pump(client, target)).start();
      daemon("loopback-proxy-down", () -> pump(target, client)).start();
    }

    /** Copies until either side ends, then closes both so the peer sees the end too. */
    private void pump(Socket from, Socket to) {
      byte[] buffer = new byte[BUFFER_BYTES];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException closedByCutOrPeer) {
        // the connection is over either way
      } finally {
        close();
      }
    }

    void close() {
      connections.remove(this);
      closeQuietly(client);
      closeQuietly(target);
    }
  }
}
