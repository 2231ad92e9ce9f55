package io.workmate.nativeos;

import io.workmate.nativeos.Errno.ErrnoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * sd_notify(3) without libsystemd: datagrams to the AF_UNIX socket named by {@code NOTIFY_SOCKET}
 * (an absolute path, or {@code @name} for the abstract namespace).
 *
 * <p>Nothing here throws: a notifier that cannot deliver returns false and describes why in
 * {@link #warning()}. When {@code NOTIFY_SOCKET} is unset, or the platform is not Linux, {@link
 * #enabled()} is false and every method returns false before allocating anything or calling
 * into libc, so callers may notify unconditionally.
 *
 * <p>Failures: a socket that is missing, not a socket, or refuses (ENOENT, ECONNREFUSED, ...)
 * turns the notifier off for good, so later calls stay silent. A queue that stays full for a
 * second (EAGAIN) and other transient errors only lose that one message; the next one tries
 * again. A send thus waits at most a second: a stalled systemd must not stall the service.
 *
 * <p>One socket is opened on the first send and reused; sends are serialized, so any thread may
 * call. {@link #close()} releases it (the descriptor is close-on-exec, so children never inherit
 * it either way).
 */
public final class SystemdNotifier implements AutoCloseable {

  /**
   * How long a send may wait while systemd's queue is full (it holds only ~10 datagrams); a
   * burst of STATUS lines then waits for systemd instead of losing messages.
   */
  private static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(1);

  private final Duration sendTimeout;
  private final boolean enabled;
  private final String notifySocket;
  private final byte[] encodedAddress;
  private final Optional<Duration> watchdogInterval;
  private final List<String> warnings = new ArrayList<>();
  private UnixDatagramSocket socket;
  private boolean off;

  SystemdNotifier(Map<String, String> environment, boolean linux, long selfPid) {
    this(environment, linux, selfPid, DEFAULT_SEND_TIMEOUT);
  }

  SystemdNotifier(
      Map<String, String> environment, boolean linux, long selfPid, Duration sendTimeout) {
    this.sendTimeout = sendTimeout;
    notifySocket = environment.get("NOTIFY_SOCKET");
    boolean configured = notifySocket != null && !notifySocket.isEmpty();
    if (!linux) {
      enabled = false;
      encodedAddress = null;
      watchdogInterval = Optional.empty();
      if (configured || environment.containsKey("WATCHDOG_USEC")) {
        warnings.add("systemd notification is set up (NOTIFY_SOCKET/WATCHDOG_USEC) but only"
            + " supported on Linux; not notifying " + System.getProperty("os.name"));
      }
      return;
    }
    enabled = configured;
    encodedAddress = configured ? usableAddress(notifySocket) : null;
    off = configured && encodedAddress == null;
    watchdogInterval = parseWatchdog(environment, selfPid);
  }

  /** A notifier configured from this process's environment. */
  public static SystemdNotifier fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** A notifier configured from {@code environment} ({@code NOTIFY_SOCKET}, watchdog vars). */
  public static SystemdNotifier fromEnvironment(Map<String, String> environment) {
    return new SystemdNotifier(
        environment == null ? Map.of() : environment,
        ProcessControl.isSupported(),
        ProcessHandle.current().pid());
  }

  /** True when systemd asked for notifications ({@code NOTIFY_SOCKET} set) and this is Linux. */
  public boolean enabled() {
    return enabled;
  }

  /** One line for the log when notifications were asked for but cannot (all) be delivered. */
  public synchronized Optional<String> warning() {
    return warnings.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", warnings));
  }

  /** Sends raw newline-separated assignments ({@code READY=1\nSTATUS=...}); true if sent. */
  public boolean send(String state) {
    if (!enabled || state == null || state.isEmpty()) {
      return false;
    }
    return deliver(state);
  }

  public boolean ready() {
    return enabled && deliver("READY=1");
  }

  /** {@code STATUS=line}; line breaks become spaces, since a newline would end the value. */
  public boolean status(String line) {
    if (!enabled) {
      return false;
    }
    String oneLine = line == null ? "" : line.replace("\r\n", " ").replace('\n', ' ')
        .replace('\r', ' ');
    return deliver("STATUS=" + oneLine);
  }

  public boolean watchdog() {
    return enabled && deliver("WATCHDOG=1");
  }

  public boolean stopping() {
    return enabled && deliver("STOPPING=1");
  }

  public boolean mainPid(long pid) {
    return enabled && pid > 0 && deliver("MAINPID=" + pid);
  }

  /** Asks systemd for {@code duration} more to start or stop; negative durations are not sent. */
  public boolean extendTimeout(Duration duration) {
    if (!enabled || duration == null || duration.isNegative()) {
      return false;
    }
    return deliver("EXTEND_TIMEOUT_USEC=" + saturatedMicros(duration));
  }

  /**
   * How often systemd expects {@link #watchdog()}, from {@code WATCHDOG_USEC}; empty when
   * unset, invalid, or meant for another process ({@code WATCHDOG_PID} differs from ours), as
   * sd_watchdog_enabled(3) decides. Conventionally one pings at half this interval.
   */
  public Optional<Duration> watchdogInterval() {
    return watchdogInterval;
  }

  @Override
  public synchronized void close() {
    off = true;
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }

  private synchronized boolean deliver(String message) {
    if (off) {
      return false;
    }
    try {
      if (socket == null) {
        socket = UnixDatagramSocket.open();
        socket.setSendTimeout(sendTimeout);
      }
      socket.sendTo(encodedAddress, message.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (ErrnoException e) {
      if (Errno.isTransient(e.errno())) {
        warn("sd_notify to " + notifySocket + " lost a message: " + e.getMessage()
            + "; later messages are still sent");
      } else {
        turnOff("sd_notify to " + notifySocket + ": " + e.getMessage());
      }
      return false;
    } catch (RuntimeException | LinkageError e) {
      // JNA or libc unavailable: nothing later can succeed either
      turnOff("sd_notify to " + notifySocket + " failed: " + e);
      return false;
    }
  }

  /** The encoded address, or null after recording why it cannot work. */
  private byte[] usableAddress(String address) {
    byte[] encoded;
    try {
      encoded = UnixDatagramSocket.encodeAddress(address);
    } catch (IllegalArgumentException e) {
      warn("NOTIFY_SOCKET is " + e.getMessage() + "; not notifying systemd");
      return null;
    }
    if (address.startsWith("@")) {
      return encoded;
    }
    try {
      if (!UnixDatagramSocket.isSocketFile(Path.of(address))) {
        warn("NOTIFY_SOCKET=" + address + " is not a socket; not notifying systemd");
        return null;
      }
    } catch (NoSuchFileException e) {
      warn("NOTIFY_SOCKET=" + address + " does not exist (" + Errno.describe(Errno.ENOENT)
          + "); not notifying systemd");
      return null;
    } catch (IOException | RuntimeException e) {
      // cannot look (permissions, exotic file system): let sendto decide
    }
    return encoded;
  }

  private Optional<Duration> parseWatchdog(Map<String, String> environment, long selfPid) {
    String usec = environment.get("WATCHDOG_USEC");
    if (usec == null || usec.isEmpty()) {
      return Optional.empty();
    }
    long micros;
    try {
      micros = Long.parseLong(usec);
    } catch (NumberFormatException e) {
      micros = 0;
    }
    if (micros <= 0) {
      warn("WATCHDOG_USEC=" + usec + " is not a positive number of microseconds;"
          + " no watchdog pings");
      return Optional.empty();
    }
    String watchdogPid = environment.get("WATCHDOG_PID");
    if (watchdogPid != null && !watchdogPid.isEmpty()) {
      long pid;
      try {
        pid = Long.parseLong(watchdogPid);
      } catch (NumberFormatException e) {
        warn("WATCHDOG_PID=" + watchdogPid + " is not a pid; no watchdog pings");
        return Optional.empty();
      }
      if (pid != selfPid) {
        // the watchdog belongs to the process that exec'd us, not to us
        return Optional.empty();
      }
    }
    return Optional.of(Duration.of(micros, ChronoUnit.MICROS));
  }

  private static long saturatedMicros(Duration duration) {
    try {
      return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L),
          duration.getNano() / 1_000L);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private void turnOff(String reason) {
    warn(reason + "; not notifying systemd any more");
    close();
  }

  private synchronized void warn(String warning) {
    if (!warnings.contains(warning)) {
      warnings.add(warning);
    }
  }
}
