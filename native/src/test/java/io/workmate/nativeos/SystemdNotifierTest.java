package io.workmate.nativeos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifierTest {

  private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(5);
  private static final long SELF = ProcessHandle.current().pid();

  @TempDir Path directory;

  @Test
  void eachNotificationArrivesAsExactlyOneDatagram() {
    try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(directory.resolve("notify"));
        SystemdNotifier notifier = notifierFor(systemd.path().toString())) {
      assertTrue(notifier.enabled());

      assertTrue(notifier.ready());
      assertEquals("READY=1", next(systemd));
      assertTrue(notifier.status("indexing\r\nstep 2\nof 3"));
      assertEquals("STATUS=indexing step 2 of 3", next(systemd));
      assertTrue(notifier.watchdog());
      assertEquals("WATCHDOG=1", next(systemd));
      assertTrue(notifier.stopping());
      assertEquals("STOPPING=1", next(systemd));
      assertTrue(notifier.mainPid(4242));
      assertEquals("MAINPID=4242", next(systemd));
      assertTrue(notifier.extendTimeout(Duration.ofMillis(1500)));
      assertEquals("EXTEND_TIMEOUT_USEC=1500000", next(systemd));
      assertTrue(notifier.send("READY=1\nSTATUS=up"));
      assertEquals("READY=1\nSTATUS=up", next(systemd));

      assertEquals(Optional.empty(), systemd.receive(Duration.ofMillis(50)), "nothing more");
      assertEquals(Optional.empty(), notifier.warning());
    }
  }

  @Test
  void argumentsThatMeanNothingAreNotSent() {
    try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(directory.resolve("notify"));
        SystemdNotifier notifier = notifierFor(systemd.path().toString())) {
      assertFalse(notifier.send(""));
      assertFalse(notifier.send(null));
      assertFalse(notifier.mainPid(0));
      assertFalse(notifier.extendTimeout(Duration.ofSeconds(-1)));
      assertFalse(notifier.extendTimeout(null));

      assertEquals(Optional.empty(), systemd.receive(Duration.ofMillis(50)));
    }
  }

  @Test
  void abstractNamespaceSocketsWork() throws IOException {
    String name = "workmate-test-" + UUID.randomUUID();
    try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bindAbstract(name);
        SystemdNotifier notifier = notifierFor("@" + name)) {
      assertEquals("@" + name, systemd.address());
      // the kernel's view, independent of our encoder: no leading path, no trailing NUL ('@')
      assertTrue(boundUnixSocketNames().contains("@" + name), "bound as @" + name);

      assertTrue(notifier.ready());
      assertEquals("READY=1", next(systemd));
      assertTrue(notifier.status("äöü ok"));
      assertEquals("STATUS=äöü ok", next(systemd));
    }
  }

  @Test
  void sendsFromManyThreadsArriveWhole() throws Exception {
    int threads = 4;
    int perThread = 40;
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(directory.resolve("notify"));
        SystemdNotifier notifier = notifierFor(systemd.path().toString())) {
      List<Future<Integer>> sent = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        sent.add(senders.submit(() -> {
          int ok = 0;
          for (int i = 0; i < perThread; i++) {
            ok += notifier.status("thread " + thread + " message " + i) ? 1 : 0;
          }
          return ok;
        }));
      }
      // more datagrams than the kernel queues: senders wait for this loop to make room
      Set<String> received = new HashSet<>();
      for (int i = 0; i < threads * perThread; i++) {
        received.add(next(systemd));
      }
      for (Future<Integer> each : sent) {
        assertEquals(perThread, each.get(10, TimeUnit.SECONDS));
      }
      Set<String> expected = new HashSet<>();
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < perThread; i++) {
          expected.add("STATUS=thread " + t + " message " + i);
        }
      }
      assertEquals(expected, received);
    } finally {
      senders.shutdownNow();
    }
  }

  @Test
  void aFullQueueLosesOneMessageButLaterOnesAreSent() {
    try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(directory.resolve("notify"));
        SystemdNotifier notifier = new SystemdNotifier(
            Map.of("NOTIFY_SOCKET", systemd.path().toString()), true, SELF,
            Duration.ofMillis(50))) {
      int queued = 0;
      while (notifier.status("filler " + queued)) {
        queued++;
        assertTrue(queued < 100_000, "the kernel never refused a datagram");
      }
      assertTrue(notifier.warning().orElseThrow().contains("EAGAIN"), notifier.warning()::get);

      assertEquals("STATUS=filler 0", next(systemd));
      assertTrue(notifier.ready(), "room again, so the notifier sends again");
    }
  }

  @Test
  void withoutNotifySocketNothingIsSentAndNothingWarned() {
    SystemdNotifier unset = SystemdNotifier.fromEnvironment(Map.of());
    SystemdNotifier empty = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", ""));
    for (SystemdNotifier notifier : List.of(unset, empty)) {
      assertFalse(notifier.enabled());
      assertFalse(notifier.ready());
      assertFalse(notifier.send("READY=1"));
      assertFalse(notifier.status("x"));
      assertFalse(notifier.watchdog());
      assertEquals(Optional.empty(), notifier.warning());
      assertEquals(Optional.empty(), notifier.watchdogInterval());
    }
  }

  @Test
  void aMissingSocketIsWarnedAboutAndNotSentTo() {
    Path missing = directory.resolve("no-such-socket");
    SystemdNotifier notifier = notifierFor(missing.toString());

    String warning = notifier.warning().orElseThrow();
    assertTrue(warning.contains(missing.toString()), warning);
    assertTrue(warning.contains("ENOENT"), warning);
    assertFalse(notifier.ready());
    assertFalse(notifier.status("still fine"));
  }

  @Test
  void aFileThatIsNoSocketIsWarnedAbout() throws Exception {
    Path regular = Files.writeString(directory.resolve("plain-file"), "not a socket");
    SystemdNotifier notifier = notifierFor(regular.toString());

    assertTrue(notifier.warning().orElseThrow().contains("not a socket"));
    assertFalse(notifier.ready());
  }

  @Test
  void aRefusedSendTurnsTheNotifierOffForGood() throws Exception {
    Path stale = directory.resolve("stale");
    // a socket file nobody listens on any more, as a crashed receiver leaves it
    UnixDatagramSocket dead = UnixDatagramSocket.open();
    dead.bind(UnixDatagramSocket.encodeAddress(stale.toString()));
    dead.close();
    SystemdNotifier notifier = notifierFor(stale.toString());

    assertFalse(notifier.ready());
    String warning = notifier.warning().orElseThrow();
    assertTrue(warning.contains("ECONNREFUSED") && warning.contains(stale.toString()), warning);

    try (UnixDatagramReceiver revived = UnixDatagramReceiver.bind(stale)) {
      assertFalse(notifier.ready(), "stays off after a hard failure");
      assertEquals(Optional.empty(), revived.receive(Duration.ofMillis(50)));
    }
  }

  @Test
  void anAbstractNameNobodyBoundIsRefused() {
    SystemdNotifier notifier = notifierFor("@workmate-nobody-" + UUID.randomUUID());

    assertTrue(notifier.enabled());
    assertFalse(notifier.ready());
    assertTrue(notifier.warning().orElseThrow().contains("ECONNREFUSED"));
  }

  @Test
  void unusableAddressesAreWarnedAboutNotThrown() {
    for (String address : List.of("relative/notify", "/" + "x".repeat(200), "vsock:2:1234")) {
      SystemdNotifier notifier = notifierFor(address);
      assertFalse(notifier.ready(), address);
      assertTrue(notifier.warning().isPresent(), address);
    }
  }

  @Test
  void offLinuxEverythingIsANoOpWithAWarning() {
    SystemdNotifier notifier = new SystemdNotifier(
        Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "1000000"), false, SELF);

    assertFalse(notifier.enabled());
    assertFalse(notifier.ready());
    assertEquals(Optional.empty(), notifier.watchdogInterval());
    assertTrue(notifier.warning().orElseThrow().contains("Linux"));
  }

  @Test
  void watchdogIntervalFollowsSdWatchdogEnabled() {
    assertEquals(Optional.of(Duration.ofSeconds(3)),
        watchdog(Map.of("WATCHDOG_USEC", "3000000")).watchdogInterval());
    assertEquals(Optional.of(Duration.ofMillis(500)),
        watchdog(Map.of("WATCHDOG_USEC", "500000", "WATCHDOG_PID", Long.toString(SELF)))
            .watchdogInterval());

    SystemdNotifier otherPid = watchdog(
        Map.of("WATCHDOG_USEC", "3000000", "WATCHDOG_PID", Long.toString(SELF + 1)));
    assertEquals(Optional.empty(), otherPid.watchdogInterval());
    assertEquals(Optional.empty(), otherPid.warning(), "another process's watchdog is no error");

    assertEquals(Optional.empty(), watchdog(Map.of()).watchdogInterval());
  }

  @Test
  void badWatchdogValuesAreWarnedAbout() {
    for (Map<String, String> environment : List.of(
        Map.of("WATCHDOG_USEC", "abc"),
        Map.of("WATCHDOG_USEC", "0"),
        Map.of("WATCHDOG_USEC", "-5"),
        Map.of("WATCHDOG_USEC", "3000000", "WATCHDOG_PID", "xyz"))) {
      SystemdNotifier notifier = watchdog(environment);
      assertEquals(Optional.empty(), notifier.watchdogInterval(), environment::toString);
      String warning = notifier.warning().orElseThrow();
      assertTrue(warning.startsWith("WATCHDOG_"), warning);
    }
  }

  private static SystemdNotifier notifierFor(String notifySocket) {
    return SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", notifySocket));
  }

  private static SystemdNotifier watchdog(Map<String, String> watchdogVariables) {
    return SystemdNotifier.fromEnvironment(watchdogVariables);
  }

  /** The names in /proc/net/unix; abstract ones start with '@', NULs inside show as '@'. */
  private static List<String> boundUnixSocketNames() throws IOException {
    return Files.readAllLines(Path.of("/proc/net/unix")).stream().skip(1)
        .map(line -> line.trim().split("\\s+"))
        .filter(fields -> fields.length == 8)
        .map(fields -> fields[7])
        .toList();
  }

  private static String next(UnixDatagramReceiver receiver) {
    return receiver.receive(RECEIVE_TIMEOUT)
        .orElseThrow(() -> new AssertionError("no datagram within " + RECEIVE_TIMEOUT));
  }
}
