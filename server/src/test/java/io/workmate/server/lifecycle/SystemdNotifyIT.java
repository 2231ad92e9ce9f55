package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.nativeos.UnixDatagramReceiver;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's side of {@code Type=notify} with a real {@code AF_UNIX} datagram socket and a real
 * {@code bin/workmate serve}: {@code READY=1} once {@code /v1/ready} says 200, {@code WATCHDOG=1}
 * at about half of {@code WATCHDOG_USEC}, no pings while the job dispatcher is blocked (the test
 * hook), {@code STOPPING=1} and {@code EXTEND_TIMEOUT_USEC} on SIGTERM, exit 0.
 */
class SystemdNotifyIT {

  /** WATCHDOG_USEC: pings are due every second. */
  private static final Duration WATCHDOG = Duration.ofSeconds(2);

  @TempDir Path tmp;

  /** A datagram with the time it came. */
  private record Notice(long atNanos, String text) {}

  @Test
  void readinessWatchdogAndStopReachTheNotifySocket() throws Exception {
    List<Notice> notices = new CopyOnWriteArrayList<>();
    try (UnixDatagramReceiver socket = UnixDatagramReceiver.bind(tmp.resolve("notify.sock"))) {
      Thread listener = new Thread(() -> listen(socket, notices), "notify-listener");
      listener.setDaemon(true);
      listener.start();
      try (ServeProcess serve = ServeProcess.start(tmp, "notify", tmp.resolve("data"), Map.of(
          "NOTIFY_SOCKET", socket.path().toString(),
          "WATCHDOG_USEC", Long.toString(WATCHDOG.toNanos() / 1000),
          "WORKMATE_SERVICE_TEST_HOOKS", "on",
          "WORKMATE_SERVICE_STATUS_INTERVAL", "1s"))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> first(notices, "READY=1").isPresent());
        // READY=1 comes only once readiness holds
        assertEquals(200, serve.call("GET", "/v1/ready", null).statusCode());
        assertTrue(first(notices, "READY=1").get().text().contains("MAINPID=" + serve.pid()),
            "MAINPID names the service: " + first(notices, "READY=1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> count(notices, "WATCHDOG=1") >= 6);
        List<Long> gaps = gaps(notices, "WATCHDOG=1");
        long median = gaps.stream().sorted().toList().get(gaps.size() / 2);
        assertTrue(median >= 600 && median <= 1600, "pings at about half of WATCHDOG_USEC "
            + "(1 s): median gap " + median + " ms of " + gaps);
        assertTrue(notices.stream().anyMatch(n -> n.text().startsWith("STATUS=")
            && n.text().contains("running") && n.text().contains("queued")), "a status line");

        // a blocked dispatcher stops the pings: systemd would restart the service
        HttpResponse<String> stalled = serve.call("POST", "/v1/admin/test/stall-dispatcher",
            "{\"seconds\": 6}");
        assertEquals(202, stalled.statusCode(), stalled.body());
        long stallStart = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() ->
            notices.stream().anyMatch(n -> n.text().equals("WATCHDOG=1")
                && n.atNanos() > stallStart + Duration.ofSeconds(6).toNanos()));
        long longest = gaps(notices, "WATCHDOG=1").stream().mapToLong(Long::longValue).max()
            .orElse(0);
        assertTrue(longest >= 4_000, "no ping while the dispatcher was blocked for 6 s; the "
            + "longest gap was " + longest + " ms");

        serve.signal("TERM");
        assertEquals(0, serve.awaitExit(Duration.ofSeconds(60)), serve.output());
        assertTrue(first(notices, "STOPPING=1").isPresent(), "STOPPING=1: " + texts(notices));
        assertTrue(notices.stream().anyMatch(n -> n.text().startsWith("EXTEND_TIMEOUT_USEC=")),
            "EXTEND_TIMEOUT_USEC while draining: " + texts(notices));
      }
    }
  }

  @Test
  void aNotifySocketThatDoesNotExistIsAWarningAndTheServiceRuns() throws Exception {
    Path missing = tmp.resolve("no-such-dir/notify.sock");
    try (ServeProcess serve = ServeProcess.start(tmp, "missing-socket", tmp.resolve("data"),
        Map.of("NOTIFY_SOCKET", missing.toString(), "WATCHDOG_USEC", "2000000"))) {
      await().atMost(Duration.ofSeconds(60)).until(() ->
          serve.call("GET", "/v1/ready", null).statusCode() == 200);
      String stderr = Files.readString(tmp.resolve("serve-missing-socket.err"));
      assertTrue(stderr.contains("warning") && stderr.contains(missing.toString()),
          "a warning naming the socket: " + stderr);
      serve.signal("TERM");
      assertEquals(0, serve.awaitExit(Duration.ofSeconds(60)), serve.output());
    }
  }

  private static void listen(UnixDatagramReceiver socket, List<Notice> notices) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        socket.receive(Duration.ofMillis(500)).ifPresent(text ->
            notices.add(new Notice(System.nanoTime(), text)));
      } catch (RuntimeException closed) {
        return;
      }
    }
  }

  private static Optional<Notice> first(List<Notice> notices, String text) {
    return notices.stream().filter(n -> n.text().lines().anyMatch(text::equals)).findFirst();
  }

  private static long count(List<Notice> notices, String text) {
    return notices.stream().filter(n -> n.text().equals(text)).count();
  }

  /** Milliseconds between consecutive notices of {@code text}. */
  private static List<Long> gaps(List<Notice> notices, String text) {
    List<Long> times = notices.stream().filter(n -> n.text().equals(text))
        .map(Notice::atNanos).toList();
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add((times.get(i) - times.get(i - 1)) / 1_000_000);
    }
    return gaps;
  }

  private static List<String> texts(List<Notice> notices) {
    return notices.stream().map(Notice::text).toList();
  }
}
