package io.workmate.nativeos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Makes the test JVM a child subreaper: orphans of the processes started here are adopted by it.
 * That is harmless for the rest of the suite (it only changes who adopts orphans) and is given
 * back after the class.
 */
class SubreaperTest {

  private static final String MARKER = "WORKMATE_ORPHAN_TEST";
  private static final long SELF = ProcessHandle.current().pid();
  private static boolean subreaperBefore;

  private final List<Process> started = new ArrayList<>();
  private final List<Long> grandchildren = new ArrayList<>();
  private final LongPredicate launchedByUs =
      pid -> started.stream().anyMatch(process -> process.pid() == pid);

  @BeforeAll
  static void becomeSubreaper() {
    subreaperBefore = Subreaper.isEnabled();
    assertTrue(Subreaper.enable());
  }

  @AfterAll
  static void giveSubreaperBack() {
    Subreaper.set(subreaperBefore);
  }

  @AfterEach
  void killEverythingStarted() throws Exception {
    for (Process process : started) {
      process.destroyForcibly();
      assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    }
    for (long pid : grandchildren) {
      killAndReapAdopted(pid);
    }
  }

  @Test
  void enablingIsVisible() {
    assertTrue(Subreaper.enable());
    assertTrue(Subreaper.isEnabled());
  }

  @Test
  void anOrphanIsAdoptedByThisJvm() throws Exception {
    long orphan = orphanOfADeadShell("adopted-" + UUID.randomUUID());

    assertEquals(SELF, ProcStat.read(orphan).orElseThrow().parentPid());
  }

  @Test
  void aMarkedOrphanIsKilledAndItsZombieReaped() throws Exception {
    long orphan = orphanOfADeadShell("kill-me-" + UUID.randomUUID());
    OrphanReaper reaper = new OrphanReaper(MARKER, Duration.ZERO);

    assertEquals(1, reaper.sweep(launchedByUs));

    List<Integer> laterKills = new ArrayList<>();
    Await.until(Duration.ofSeconds(5), () -> {
      laterKills.add(reaper.sweep(launchedByUs));
      return ProcStat.read(orphan).isEmpty();
    }, () -> "orphan " + orphan + " still there: " + ProcStat.read(orphan));
    assertTrue(laterKills.stream().allMatch(count -> count == 0), "killed once: " + laterKills);
  }

  @Test
  void claimedChildrenAndUnmarkedOrphansAreLeftAlone() throws Exception {
    ProcessBuilder marked = new ProcessBuilder("sleep", "30");
    marked.environment().put(MARKER, "ours-" + UUID.randomUUID());
    Process claimed = marked.start();
    started.add(claimed);
    long unmarked = orphanOfADeadShell(null);
    OrphanReaper reaper = new OrphanReaper(MARKER, Duration.ZERO);

    assertEquals(0, reaper.sweep(launchedByUs));

    assertTrue(claimed.isAlive());
    ProcStat stranger = ProcStat.read(unmarked).orElseThrow();
    assertEquals(SELF, stranger.parentPid());
    assertFalse(stranger.isZombie());
  }

  @Test
  void anOrphanYoungerThanTheMinimumAgeIsSpared() throws Exception {
    long orphan = orphanOfADeadShell("young-" + UUID.randomUUID());

    assertEquals(0, new OrphanReaper(MARKER, Duration.ofMinutes(1)).sweep(launchedByUs));
    assertFalse(Await.isDead(orphan));

    assertEquals(1, new OrphanReaper(MARKER, Duration.ZERO).sweep(launchedByUs));
  }

  @Test
  void markerVariableMustBeAName() {
    // the name is matched as "NAME=" in /proc/<pid>/environ
    assertThrows(IllegalArgumentException.class, () -> new OrphanReaper(""));
    assertThrows(IllegalArgumentException.class, () -> new OrphanReaper("A=B"));
  }

  /**
   * Starts {@code sh} which backgrounds a {@code sleep} and exits; returns the sleep's pid once
   * the shell is gone, so the sleep has been re-parented. {@code markerValue} null: no marker.
   */
  private long orphanOfADeadShell(String markerValue) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!");
    builder.environment().remove(MARKER);
    if (markerValue != null) {
      builder.environment().put(MARKER, markerValue);
    }
    Process shell = builder.start();
    started.add(shell);
    String line;
    try (BufferedReader output = new BufferedReader(
        new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
      line = output.readLine();
    }
    long sleeper = Long.parseLong(line.trim());
    grandchildren.add(sleeper);
    assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the shell exits at once");
    // the shell prints the pid right after fork; until the exec of sleep has set up the new
    // image, /proc/<pid>/environ reads as empty and the marker is not visible
    Await.until(Duration.ofSeconds(5), () -> hasExecd(sleeper, "sleep"),
        () -> sleeper + " never became sleep");
    return sleeper;
  }

  private static boolean hasExecd(long pid, String program) {
    try {
      Path proc = Path.of("/proc", Long.toString(pid));
      return Files.readString(proc.resolve("cmdline")).startsWith(program + "\0")
          && Files.readAllBytes(proc.resolve("environ")).length > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Adopted processes are ours to reap: the JDK only waits for the ones it started. */
  private static void killAndReapAdopted(long pid) throws Exception {
    Optional<ProcStat> process = ProcStat.read(pid);
    if (process.isEmpty() || process.get().parentPid() != SELF) {
      return;
    }
    ProcessControl.signal(pid, Signal.SIGKILL);
    Await.until(Duration.ofSeconds(5), () -> Await.isDead(pid), () -> "adopted " + pid);
    assertEquals(pid, LibC.INSTANCE.waitpid((int) pid, new int[1], LibC.WNOHANG));
  }
}
