package io.workmate.bench.service;

import io.workmate.nativeos.UnixDatagramReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * systemd's end of {@code NOTIFY_SOCKET}: a bound AF_UNIX datagram socket and a thread that
 * stamps every line of every datagram with its arrival time. The stamp is taken in this JVM, so
 * a pause of the bench's own (it is also the load generator) would show as a late ping; the
 * thread does nothing else, to keep that small.
 */
final class NotifySocket implements AutoCloseable {

  /** sun_path holds 108 bytes with the terminating zero; longer paths fall back to abstract. */
  private static final int MAX_PATH = 100;

  /** One line of a datagram and when it arrived. */
  record Notice(long atNanos, String line) {}

  private final UnixDatagramReceiver socket;
  private final List<Notice> notices = new CopyOnWriteArrayList<>();
  private final Thread listener;
  private volatile boolean open = true;

  private NotifySocket(UnixDatagramReceiver socket) {
    this.socket = socket;
    this.listener = new Thread(this::listen, "notify-listener");
    listener.setDaemon(true);
    listener.setPriority(Thread.MAX_PRIORITY);
    listener.start();
  }

  /** Binds at {@code path}, or on an abstract name when the path is too long for AF_UNIX. */
  static NotifySocket bind(Path path) {
    if (path.toAbsolutePath().toString().length() > MAX_PATH) {
      return new NotifySocket(UnixDatagramReceiver.bindAbstract(
          "workmate-service-bench-" + ProcessHandle.current().pid()));
    }
    return new NotifySocket(UnixDatagramReceiver.bind(path));
  }

  /** What goes into the service's {@code NOTIFY_SOCKET}. */
  String address() {
    return socket.address();
  }

  private void listen() {
    while (open) {
      try {
        socket.receive(Duration.ofMillis(200)).ifPresent(text -> {
          long at = System.nanoTime();
          text.lines().forEach(line -> notices.add(new Notice(at, line)));
        });
      } catch (RuntimeException closed) {
        return;
      }
    }
  }

  /** When {@code line} first arrived, polling until {@code limit}; empty if it did not. */
  Optional<Long> await(String line, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Long> seen = first(line);
      if (seen.isPresent()) {
        return seen;
      }
      Pause.millis(20);
    }
    return first(line);
  }

  private Optional<Long> first(String line) {
    return notices.stream().filter(n -> n.line().equals(line)).map(Notice::atNanos).findFirst();
  }

  /** Arrival times of {@code line}, oldest first. */
  List<Long> arrivals(String line) {
    return notices.stream().filter(n -> n.line().equals(line)).map(Notice::atNanos).toList();
  }

  @Override
  public void close() {
    open = false;
    try {
      listener.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    socket.close();
  }
}
