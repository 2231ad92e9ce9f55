package io.workmate.nativeos;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import io.workmate.nativeos.Errno.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * An AF_UNIX datagram socket through libc; Java 17's channels cannot open AF_UNIX datagrams.
 * Not thread-safe: the public classes around it synchronize.
 */
final class UnixDatagramSocket {

  /** {@code sizeof(sun_path)} on Linux. */
  private static final int SUN_PATH_SIZE = 108;
  /** {@code offsetof(struct sockaddr_un, sun_path)}: the 2-byte sa_family_t. */
  private static final int SUN_PATH_OFFSET = 2;
  /** Larger than any sd_notify message; longer datagrams are cut. */
  private static final int RECEIVE_BUFFER = 64 * 1024;

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private int fd;
  private boolean sendTimeoutSet;

  private UnixDatagramSocket(int fd) {
    this.fd = fd;
  }

  static UnixDatagramSocket open() throws ErrnoException {
    int fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new ErrnoException("socket(AF_UNIX, SOCK_DGRAM)", Native.getLastError());
    }
    return new UnixDatagramSocket(fd);
  }

  /**
   * Encodes a {@code NOTIFY_SOCKET}-style address as {@code struct sockaddr_un}, sized as the
   * kernel expects: a path keeps its trailing NUL; an abstract name ({@code @name}) starts with
   * a NUL and has none at the end, because every byte of its length belongs to the name.
   *
   * @throws IllegalArgumentException when the address is neither absolute nor abstract, or too
   *     long for sun_path
   */
  static byte[] encodeAddress(String address) {
    boolean isAbstract = address.startsWith("@");
    if (!isAbstract && !address.startsWith("/")) {
      throw new IllegalArgumentException(
          "not an absolute path or an @abstract name: " + address);
    }
    byte[] name = (isAbstract ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
    // both forms spend one byte on a NUL: the abstract one in front, the path one behind
    if (name.length + 1 > SUN_PATH_SIZE) {
      throw new IllegalArgumentException(
          "longer than the " + (SUN_PATH_SIZE - 1) + " bytes sun_path holds: " + address);
    }
    ByteBuffer buffer =
        ByteBuffer.allocate(SUN_PATH_OFFSET + name.length + 1).order(ByteOrder.nativeOrder());
    buffer.putShort((short) LibC.AF_UNIX);
    if (isAbstract) {
      buffer.put((byte) 0).put(name);
    } else {
      buffer.put(name).put((byte) 0);
    }
    return buffer.array();
  }

  /**
   * True when {@code path} is a socket (following symlinks, as connect does).
   *
   * @throws java.nio.file.NoSuchFileException when nothing is there
   */
  static boolean isSocketFile(Path path) throws IOException {
    int mode = (Integer) Files.getAttribute(path, "unix:mode");
    return (mode & S_IFMT) == S_IFSOCK;
  }

  void bind(byte[] address) throws ErrnoException {
    if (LibC.INSTANCE.bind(fd, address, address.length) != 0) {
      throw new ErrnoException("bind", Native.getLastError());
    }
  }

  /**
   * Bounds how long {@link #sendTo} waits while the receiver's queue is full (the kernel queues
   * only net.unix.max_dgram_qlen datagrams, 10 by default); after that the send fails with
   * EAGAIN. Without a bound, sends fail at once when the queue is full.
   */
  void setSendTimeout(Duration timeout) {
    try (Memory timeval = new Memory(2L * Native.LONG_SIZE)) {
      timeval.setNativeLong(0, new NativeLong(timeout.getSeconds()));
      timeval.setNativeLong(Native.LONG_SIZE, new NativeLong(timeout.getNano() / 1_000));
      sendTimeoutSet = LibC.INSTANCE.setsockopt(
          fd, LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, timeval, (int) timeval.size()) == 0;
    }
  }

  /** Sends one datagram, waiting at most the send timeout for room in the receiver's queue. */
  void sendTo(byte[] address, byte[] datagram) throws ErrnoException {
    // a socket without a send timeout would block for as long as the receiver does not read
    int flags = LibC.MSG_NOSIGNAL | (sendTimeoutSet ? 0 : LibC.MSG_DONTWAIT);
    while (true) {
      long sent = LibC.INSTANCE.sendto(fd, datagram, new NativeLong(datagram.length),
          flags, address, address.length).longValue();
      if (sent >= 0) {
        return;
      }
      int errno = Native.getLastError();
      if (errno != Errno.EINTR) {
        throw new ErrnoException("sendto", errno);
      }
    }
  }

  /** Waits up to {@code timeout} for one datagram; empty when none came. */
  Optional<byte[]> receive(Duration timeout) throws ErrnoException {
    // clamped so toNanos cannot overflow; nobody waits a day for a datagram
    Duration wait = timeout.isNegative() ? Duration.ZERO
        : timeout.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1) : timeout;
    long deadline = System.nanoTime() + wait.toNanos();
    try (Memory pollFd = new Memory(8)) {
      while (true) {
        long remainingMillis = Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000);
        pollFd.setInt(0, fd);
        pollFd.setShort(4, LibC.POLLIN);
        pollFd.setShort(6, (short) 0);
        int ready = LibC.INSTANCE.poll(
            pollFd, new NativeLong(1), (int) Math.min(Integer.MAX_VALUE, remainingMillis));
        if (ready < 0) {
          int errno = Native.getLastError();
          if (errno == Errno.EINTR) {
            continue;
          }
          throw new ErrnoException("poll", errno);
        }
        if (ready == 0) {
          return Optional.empty();
        }
        byte[] buffer = new byte[RECEIVE_BUFFER];
        long received = LibC.INSTANCE.recv(
            fd, buffer, new NativeLong(buffer.length), LibC.MSG_DONTWAIT).longValue();
        if (received >= 0) {
          byte[] datagram = new byte[(int) received];
          System.arraycopy(buffer, 0, datagram, 0, datagram.length);
          return Optional.of(datagram);
        }
        int errno = Native.getLastError();
        if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
          throw new ErrnoException("recv", errno);
        }
      }
    }
  }

  void close() {
    if (fd >= 0) {
      LibC.INSTANCE.close(fd);
      fd = -1;
    }
  }
}
