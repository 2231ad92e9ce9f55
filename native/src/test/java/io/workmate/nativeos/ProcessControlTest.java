package io.workmate.nativeos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessControlTest {

  @Test
  void signalGroupReachesGrandchildrenOfASetsidChild() throws Exception {
    String marker = UUID.randomUUID().toString();
    ProcessBuilder builder = new ProcessBuilder("setsid", "sh", "-c", "sleep 60 & sleep 60 & wait");
    builder.environment().put("WORKMATE_TEST_MARKER", marker);
    Process leader = builder.start();
    try {
      awaitProcessCount(marker, 3);
      assertEquals(leader.pid(), ProcessControl.processGroupOf(leader.pid()).orElseThrow(),
          "setsid makes the child lead its own process group");

      assertTrue(ProcessControl.signalGroup(leader.pid(), Signal.SIGKILL));

      assertTrue(leader.waitFor(10, TimeUnit.SECONDS), "leader died");
      awaitProcessCount(marker, 0);
    } finally {
      leader.destroyForcibly();
      ProcessControl.killByEnvironment("WORKMATE_TEST_MARKER", marker);
    }
  }

  @Test
  void environmentSweepFindsProcessesThatLeftTheGroup() throws Exception {
    String marker = UUID.randomUUID().toString();
    // the inner setsid puts the sleeper in a session of its own, out of reach of the group signal
    ProcessBuilder builder =
        new ProcessBuilder("setsid", "sh", "-c", "setsid sleep 60 & wait");
    builder.environment().put("WORKMATE_TEST_MARKER", marker);
    Process leader = builder.start();
    try {
      awaitProcessCount(marker, 2);
      // the child carries the marker from its fork on, before its setsid() has run: the group
      // signal must come after it left, or it kills the sleeper too
      awaitSessionOtherThan(marker, leader.pid());
      ProcessControl.signalGroup(leader.pid(), Signal.SIGKILL);
      assertTrue(leader.waitFor(10, TimeUnit.SECONDS));
      awaitProcessCount(marker, 1);

      assertEquals(1, ProcessControl.killByEnvironment("WORKMATE_TEST_MARKER", marker));
      awaitProcessCount(marker, 0);
    } finally {
      leader.destroyForcibly();
      ProcessControl.killByEnvironment("WORKMATE_TEST_MARKER", marker);
    }
  }

  @Test
  void goneProcessesAndGroupsAreReportedNotThrown() throws Exception {
    Process quick = new ProcessBuilder("true").start();
    quick.waitFor();
    assertFalse(ProcessControl.signal(quick.pid(), Signal.SIGTERM));
    assertFalse(ProcessControl.signalGroup(quick.pid(), Signal.SIGTERM));
    assertTrue(ProcessControl.processGroupOf(quick.pid()).isEmpty());
  }

  @Test
  void refusesToSignalInitOrEveryone() {
    assertThrows(IllegalArgumentException.class, () -> ProcessControl.signal(1, Signal.SIGKILL));
    assertThrows(IllegalArgumentException.class, () -> ProcessControl.signalGroup(0, Signal.SIGKILL));
    assertThrows(IllegalArgumentException.class, () -> ProcessControl.signal(-1, Signal.SIGKILL));
  }

  private static void awaitProcessCount(String marker, int expected) {
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
        .atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          List<Long> found = ProcessControl.findByEnvironment("WORKMATE_TEST_MARKER", marker)
              .stream()
              .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
              .filter(pid -> !isZombie(pid))
              .toList();
          assertEquals(expected, found.size(), "processes carrying the marker: " + found);
        });
  }

  private static void awaitSessionOtherThan(String marker, long session) {
    await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(
            ProcessControl.findByEnvironment("WORKMATE_TEST_MARKER", marker).stream()
                .map(ProcessControlTest::sessionOf)
                .anyMatch(sid -> sid != session && sid != -1),
            "a process carrying the marker in a session of its own"));
  }

  /** The session id in /proc/PID/stat, or -1 when the process is gone. */
  private static long sessionOf(long pid) {
    String[] fields = statAfterName(pid);
    return fields == null ? -1 : Long.parseLong(fields[3]);
  }

  /** The fields of /proc/PID/stat after the command name (state first), or null when gone. */
  private static String[] statAfterName(long pid) {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static boolean isZombie(long pid) {
    String[] fields = statAfterName(pid);
    return fields == null || fields[0].equals("Z");
  }
}
