package io.workmate.nativeos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.nativeos.ProcessGroupRegistry.Cleanup;
import io.workmate.nativeos.ProcessGroupRegistry.Entry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new incarnation is simulated by opening a second registry on the file the first one wrote:
 * that is all a restarted service sees of its predecessor.
 */
class ProcessGroupRegistryTest {

  private static final String MARKER = "WORKMATE_GROUP_TEST";
  private static final Duration SETTLE = Duration.ofSeconds(10);

  @TempDir Path directory;

  private final List<Process> started = new ArrayList<>();
  private final List<String> markers = new ArrayList<>();

  @AfterEach
  void killEverythingStarted() throws Exception {
    for (Process process : started) {
      ProcessControl.signalGroup(process.pid(), Signal.SIGKILL);
      process.destroyForcibly();
      assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    }
    for (String marker : markers) {
      ProcessControl.killByEnvironment(MARKER, marker);
    }
  }

  @Test
  void theNextIncarnationKillsTheGroupsOfThePreviousOne() throws Exception {
    String markerA = newMarker();
    String markerB = newMarker();
    Process sleeper = startGroup(markerA, "sleep", "300");
    Process shell = startGroup(markerB, "sh", "-c", "sleep 300 & sleep 300 & wait");
    awaitLiveCarriers(markerB, 3);
    ProcessGroupRegistry previous = ProcessGroupRegistry.open(registryFile());
    previous.register(sleeper.pid(), "sleeper", MARKER, markerA);
    previous.register(shell.pid(), "shell gen 2", MARKER, markerB);

    ProcessGroupRegistry next = ProcessGroupRegistry.open(registryFile());
    assertEquals(previous.entries(), next.entries());
    Cleanup cleanup = next.killLeftovers();

    assertEquals(2, cleanup.groupsKilled());
    assertEquals(4, cleanup.processesKilled(), "sleeper, shell and its two sleeps");
    assertEquals(Set.of("sleeper", "shell gen 2"), Set.copyOf(cleanup.labels()));
    // killLeftovers returns only once they are dead: no waiting here
    assertEquals(List.of(), liveCarriers(markerA));
    assertEquals(List.of(), liveCarriers(markerB));
    assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
    assertTrue(shell.waitFor(5, TimeUnit.SECONDS));
    assertEquals(List.of(), next.entries());
    assertEquals(List.of(), ProcessGroupRegistry.open(registryFile()).entries());
  }

  @Test
  void aProcessThatLeftTheGroupIsFoundByItsMarker() throws Exception {
    String marker = newMarker();
    Process shell = startGroup(marker, "sh", "-c", "setsid sleep 300 & sleep 300");
    Await.until(SETTLE, () -> escapedFrom(shell.pid(), marker).size() == 1,
        () -> "the inner setsid sleep did not start: " + liveCarriers(marker));
    long escaped = escapedFrom(shell.pid(), marker).get(0);
    List<Long> carriers = liveCarriers(marker);
    ProcessGroupRegistry.open(registryFile()).register(shell.pid(), "escape", MARKER, marker);

    Cleanup cleanup = ProcessGroupRegistry.open(registryFile()).killLeftovers();

    assertEquals(1, cleanup.groupsKilled());
    assertEquals(carriers.size(), cleanup.processesKilled(), "all of " + carriers);
    assertTrue(Await.isDead(escaped), "the escaped sleep " + escaped);
    assertEquals(List.of(), liveCarriers(marker));
  }

  @Test
  void aReusedPidIsNotSignalled() throws Exception {
    Process stranger = startGroup(null, "sleep", "300");
    long startTime = ProcStat.read(stranger.pid()).orElseThrow().startTime();
    // as if our leader had died and its pid had gone to this process since
    writeRegistry(stranger.pid() + " " + (startTime - 1) + " " + bootId() + " - - old%20leader");

    ProcessGroupRegistry next = ProcessGroupRegistry.open(registryFile());
    assertEquals(1, next.entries().size());
    Cleanup cleanup = next.killLeftovers();

    assertEquals(new Cleanup(0, 0, List.of()), cleanup);
    assertFalse(stranger.waitFor(100, TimeUnit.MILLISECONDS), "the stranger lives");
    assertEquals(List.of(), next.entries(), "the stale entry is dropped");
  }

  @Test
  void anEntryFromAnEarlierBootIsDroppedNotKilled() throws Exception {
    Process stranger = startGroup(null, "sleep", "300");
    long startTime = ProcStat.read(stranger.pid()).orElseThrow().startTime();
    writeRegistry(stranger.pid() + " " + startTime + " 00000000-0000-0000-0000-000000000000"
        + " - - before%20reboot");

    ProcessGroupRegistry next = ProcessGroupRegistry.open(registryFile());
    Cleanup cleanup = next.killLeftovers();

    assertEquals(new Cleanup(0, 0, List.of()), cleanup);
    assertFalse(stranger.waitFor(100, TimeUnit.MILLISECONDS), "the stranger lives");
    assertEquals(List.of(), next.entries());
  }

  @Test
  void damagedLinesAreSkippedWithAWarning() throws Exception {
    String marker = newMarker();
    Process sleeper = startGroup(marker, "sleep", "300");
    long startTime = ProcStat.read(sleeper.pid()).orElseThrow().startTime();
    writeRegistry(
        "garbage",
        sleeper.pid() + " " + startTime + " " + bootId() + " " + MARKER + " " + marker
            + " survivor",
        "4711 12345 " + bootId() + " WORKMATE_GROUP_TEST",
        "12x 1 boot - - label",
        "4711 12345 boot - - bad%zzescape",
        "4711 12345 boot MARKER_WITHOUT_VALUE - label");

    ProcessGroupRegistry next = ProcessGroupRegistry.open(registryFile());

    assertEquals(List.of(sleeper.pid()), next.entries().stream().map(Entry::pid).toList());
    assertEquals(5, next.warnings().size(), next.warnings()::toString);
    assertTrue(next.warnings().get(0).contains("line 2"), next.warnings().get(0));
    assertEquals(1, next.killLeftovers().processesKilled());
    assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
    assertFalse(Files.readString(registryFile()).contains("garbage"), "rewritten without it");
  }

  @Test
  void groupsRegisteredAfterOpenSurviveKillLeftovers() throws Exception {
    String oldMarker = newMarker();
    String newMarker = newMarker();
    Process old = startGroup(oldMarker, "sleep", "300");
    ProcessGroupRegistry.open(registryFile()).register(old.pid(), "old", MARKER, oldMarker);
    ProcessGroupRegistry next = ProcessGroupRegistry.open(registryFile());
    Process young = startGroup(newMarker, "sleep", "300");
    Entry youngEntry = next.register(young.pid(), "young", MARKER, newMarker);

    Cleanup cleanup = next.killLeftovers();

    assertEquals(List.of("old"), cleanup.labels());
    assertTrue(old.waitFor(5, TimeUnit.SECONDS));
    assertTrue(young.isAlive());
    assertEquals(List.of(youngEntry), next.entries());
    assertEquals(List.of(youngEntry), ProcessGroupRegistry.open(registryFile()).entries());
  }

  @Test
  void anEntrySurvivesTheRoundTripThroughTheFile() throws Exception {
    String marker = "value with spaces, % and - " + UUID.randomUUID();
    markers.add(marker);
    Process sleeper = startGroup(marker, "sleep", "300");
    ProcessGroupRegistry registry = ProcessGroupRegistry.open(registryFile());

    Entry entry = registry.register(sleeper.pid(), "codex app-server-0 gen 3", MARKER, marker);

    assertEquals(ProcStat.read(sleeper.pid()).orElseThrow().startTime(), entry.startTime());
    assertEquals(bootId(), entry.bootId());
    assertEquals(List.of(entry), ProcessGroupRegistry.open(registryFile()).entries());
    assertFalse(Files.exists(registryFile().resolveSibling("process-groups.tmp")));

    registry.unregister(sleeper.pid());
    assertEquals(List.of(), ProcessGroupRegistry.open(registryFile()).entries());
  }

  @Test
  void aLeaderThatDoesNotLeadItsGroupIsKilledAlone() throws Exception {
    Process shell = startGroup(null, "sh", "-c", "sleep 300 & echo $!; sleep 300");
    long follower = readPid(shell);
    ProcessGroupRegistry previous = ProcessGroupRegistry.open(registryFile());
    previous.register(follower, "follower", null, null);
    assertTrue(previous.warnings().stream().anyMatch(w -> w.contains("does not lead")),
        previous.warnings()::toString);

    Cleanup cleanup = ProcessGroupRegistry.open(registryFile()).killLeftovers();

    assertEquals(new Cleanup(0, 1, List.of("follower")), cleanup);
    assertTrue(Await.isDead(follower));
    assertTrue(shell.isAlive(), "the group's real leader was not signalled");
  }

  @Test
  void misusedMarkersAreRejected() {
    ProcessGroupRegistry registry = ProcessGroupRegistry.open(registryFile());
    long self = ProcessHandle.current().pid();

    assertThrows(IllegalArgumentException.class, () -> registry.register(self, "x", "A", null));
    assertThrows(IllegalArgumentException.class, () -> registry.register(self, "x", null, "v"));
    assertThrows(IllegalArgumentException.class, () -> registry.register(self, "x", "A=B", "v"));
    assertThrows(IllegalArgumentException.class, () -> registry.register(1, "init", null, null));
    assertEquals(List.of(), registry.entries());
  }

  private Path registryFile() {
    return directory.resolve("data").resolve("process-groups");
  }

  private String newMarker() {
    String marker = UUID.randomUUID().toString();
    markers.add(marker);
    return marker;
  }

  /** Starts {@code command} through setsid, so it leads a new group; null marker: none. */
  private Process startGroup(String marker, String... command) throws Exception {
    List<String> line = new ArrayList<>(List.of("setsid"));
    line.addAll(List.of(command));
    ProcessBuilder builder = new ProcessBuilder(line);
    builder.environment().remove(MARKER);
    if (marker != null) {
      builder.environment().put(MARKER, marker);
    }
    Process process = builder.start();
    started.add(process);
    // start() returns once setsid is exec'd, maybe before it has called setsid(2)
    Await.until(SETTLE,
        () -> ProcessControl.processGroupOf(process.pid()).orElse(-1L) == process.pid(),
        () -> process.pid() + " never led its own group");
    return process;
  }

  private void writeRegistry(String... lines) throws Exception {
    Files.createDirectories(registryFile().getParent());
    Files.writeString(registryFile(), "# written by hand\n" + String.join("\n", lines) + "\n");
  }

  private static long readPid(Process process) throws Exception {
    BufferedReader output = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    return Long.parseLong(output.readLine().trim());
  }

  private static String bootId() throws Exception {
    return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
  }

  private static List<Long> liveCarriers(String marker) {
    return ProcessControl.findByEnvironment(MARKER, marker).stream()
        .filter(pid -> !Await.isDead(pid)).toList();
  }

  /** Marker carriers in a session of their own, not the leader's: they left its group. */
  private static List<Long> escapedFrom(long leader, String marker) {
    return liveCarriers(marker).stream()
        .filter(pid -> ProcStat.read(pid).map(p -> p.session() != leader).orElse(false))
        .toList();
  }

  private static void awaitLiveCarriers(String marker, int count) throws Exception {
    Await.until(SETTLE, () -> liveCarriers(marker).size() == count,
        () -> "expected " + count + " processes carrying " + marker + ": " + liveCarriers(marker));
  }
}
