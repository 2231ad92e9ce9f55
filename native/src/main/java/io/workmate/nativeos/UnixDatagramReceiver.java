package io.workmate.nativeos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The receiving end of sd_notify, as systemd holds it: a bound AF_UNIX datagram socket, on a
 * path or on an abstract name. For tests and the bench; Java 17's DatagramChannel cannot do
 * AF_UNIX, hence JNA. Methods are synchronized, so {@link #close()} waits for a running
 * {@link #receive(Duration)} to time out rather than closing its descriptor under it.
 */
public final class UnixDatagramReceiver implements AutoCloseable {

  private final UnixDatagramSocket socket;
  private final String address;
  private final Path path;
  private boolean closed;

  private UnixDatagramReceiver(UnixDatagramSocket socket, String address, Path path) {
    this.socket = socket;
    this.address = address;
    this.path = path;
  }

  /**
   * Binds a datagram socket at {@code socketPath}, replacing a stale socket file left there.
   *
   * @throws UncheckedIOException when the path holds something other than a socket, or the
   *     socket cannot be bound
   */
  public static UnixDatagramReceiver bind(Path socketPath) {
    Path absolute = socketPath.toAbsolutePath();
    removeStaleSocket(absolute);
    return bindTo(absolute.toString(), absolute);
  }

  /**
   * Binds a datagram socket on the abstract name {@code name} (without the leading {@code @});
   * abstract sockets have no file and vanish with their last descriptor.
   */
  public static UnixDatagramReceiver bindAbstract(String name) {
    Objects.requireNonNull(name, "name");
    return bindTo("@" + name, null);
  }

  private static UnixDatagramReceiver bindTo(String address, Path path) {
    requireLinux();
    byte[] encoded = UnixDatagramSocket.encodeAddress(address);
    UnixDatagramSocket socket;
    try {
      socket = UnixDatagramSocket.open();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      socket.bind(encoded);
    } catch (IOException e) {
      socket.close();
      throw new UncheckedIOException("cannot bind " + address + ": " + e.getMessage(), e);
    }
    return new UnixDatagramReceiver(socket, address, path);
  }

  /**
   * Waits up to {@code timeout} for one datagram and decodes it as UTF-8; empty on timeout.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public synchronized Optional<String> receive(Duration timeout) {
    if (closed) {
      throw new IllegalStateException("receiver on " + address + " is closed");
    }
    try {
      return socket.receive(timeout).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The socket file.
   *
   * @throws IllegalStateException for an abstract socket, which has no file; use {@link
   *     #address()}
   */
  public Path path() {
    if (path == null) {
      throw new IllegalStateException(address + " is an abstract socket and has no path");
    }
    return path;
  }

  /** What a sender puts into {@code NOTIFY_SOCKET}: the absolute path, or {@code @name}. */
  public String address() {
    return address;
  }

  /** Closes the socket and removes its file. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    socket.close();
    if (path != null) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove socket file " + path, e);
      }
    }
  }

  /** Unlinks a leftover socket file; refuses to delete anything that is not a socket. */
  private static void removeStaleSocket(Path path) {
    try {
      if (!UnixDatagramSocket.isSocketFile(path)) {
        throw new UncheckedIOException(new IOException(
            "refusing to replace " + path + ": it exists and is not a socket"));
      }
      Files.delete(path);
    } catch (NoSuchFileException absent) {
      // nothing stale to remove
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove stale socket " + path, e);
    }
  }

  private static void requireLinux() {
    if (!ProcessControl.isSupported()) {
      throw new UnsupportedOperationException("AF_UNIX datagram sockets need Linux");
    }
  }
}
