package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.codex.ProcessRegistration;
import io.workmate.nativeos.ProcStat;
import io.workmate.nativeos.ProcessControl;
import io.workmate.server.service.ProcessHygiene;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code bin/workmate serve} mid-turn leaves the turn's commands
 * running (a {@code setsid} one escapes every group); the next {@code serve} on the data dir
 * kills them, through the process-group registry, before its first turn starts. Then a cancel
 * mid-command, or the same job left to finish, leaves nothing of its tree within 5 s.
 */
class LeftoverProcessesIT {

  private static final String MARKER = ProcessRegistration.APP_SERVER_MARKER;
  /** Outside any sandbox, so nothing but Workmate ends the commands when codex dies. */
  private static final Map<String, String> ENV = Map.of(
      "WORKMATE_CODEX_SANDBOX", "danger-full-access");
  private static final String PROMPT = "[[exec:setsid sleep 1111 & sleep 1112]]";

  @TempDir Path tmp;
  private final Set<String> markersSeen = new HashSet<>();

  @Test
  void theNextStartKillsWhatAKilledServiceLeftBeforeItsFirstTurn() throws Exception {
    Path data = tmp.resolve("data");
    Set<String> oldMarkers;
    List<Long> oldSleeps;
    String id;
    try (ServeProcess first = ServeProcess.start(tmp, "killed", data, ENV)) {
      id = first.submit("{\"prompt\": \"" + PROMPT + "\", \"approval\": \"never\", "
          + "\"maxAttempts\": 3, \"idempotencyKey\": \"leftovers\"}");
      await().atMost(Duration.ofSeconds(60)).until(() -> sleepsOf(registeredMarkers(data))
          .size() == 2);
      oldMarkers = registeredMarkers(data);
      markersSeen.addAll(oldMarkers);
      oldSleeps = sleepsOf(oldMarkers);
      first.signal("KILL");
      first.awaitExit(Duration.ofSeconds(30));
    }
    // what the test is about: the escaped command outlived the service
    assertTrue(oldSleeps.stream().anyMatch(LeftoverProcessesIT::alive),
        "after kill -9 at least the setsid sleep survives: " + oldSleeps);

    // from before the second start on: a new turn's command must never be seen while a process
    // of the old incarnation still lives
    Sampler sampler = new Sampler(oldMarkers);
    Thread sampling = new Thread(sampler, "leftover-sampler");
    sampling.setDaemon(true);
    sampling.start();
    try (ServeProcess second = ServeProcess.start(tmp, "restarted", data, ENV)) {
      assertTrue(markerCarriers(oldMarkers).isEmpty(),
          "the old incarnation's processes are gone once serve is up");
      assertTrue(second.output().contains("left by the previous run"), second.output());
      // the job was running at the kill: it runs again, on a new app-server
      await().atMost(Duration.ofSeconds(90)).until(() -> !sampler.newTurnSeen.isEmpty());
      sampler.stop.set(true);
      sampling.join(5_000);
      assertTrue(sampler.overlaps.isEmpty(), "a new turn ran while old processes lived: "
          + sampler.overlaps);
      Set<String> newMarkers = registeredMarkers(data);
      markersSeen.addAll(newMarkers);
      await().atMost(Duration.ofSeconds(30)).until(() -> sleepsOf(newMarkers).size() == 2);
      List<Long> newSleeps = sleepsOf(newMarkers);

      assertEquals(200, second.call("POST", "/v1/jobs/" + id + "/cancel", null).statusCode());
      await().atMost(Duration.ofSeconds(30)).until(() -> second.status(id).equals("cancelled"));
      await().atMost(Duration.ofSeconds(5)).until(() ->
          newSleeps.stream().noneMatch(LeftoverProcessesIT::alive));

      // the same command left to finish: codex completes the turn with the exec session
      // still backgrounded; the job's end takes its processes along
      String finishing = second.submit("{\"prompt\": \"" + PROMPT + "\", "
          + "\"approval\": \"never\", \"idempotencyKey\": \"left-to-finish\"}");
      await().atMost(Duration.ofSeconds(30)).until(() -> sleepsOf(registeredMarkers(data))
          .size() == 2);
      List<Long> finishingSleeps = sleepsOf(registeredMarkers(data));
      await().atMost(Duration.ofSeconds(90)).until(() ->
          second.status(finishing).equals("succeeded"));
      await().atMost(Duration.ofSeconds(5)).until(() ->
          finishingSleeps.stream().noneMatch(LeftoverProcessesIT::alive));
      second.signal("TERM");
      assertEquals(0, second.awaitExit(Duration.ofSeconds(60)), second.output());
    }
  }

  /** Whatever happened, no sleep of this test outlives it. */
  @AfterEach
  void killWhatIsLeft() throws Exception {
    markersSeen.addAll(registeredMarkers(tmp.resolve("data")));
    for (String marker : markersSeen) {
      ProcessControl.killByEnvironment(MARKER, marker);
    }
  }

  /** The markers of the app-server groups recorded in the registry file now. */
  private static Set<String> registeredMarkers(Path data) throws Exception {
    Path file = data.resolve(ProcessHygiene.REGISTRY_FILE);
    Set<String> markers = new HashSet<>();
    if (!Files.exists(file)) {
      return markers;
    }
    for (String line : Files.readAllLines(file)) {
      String[] fields = line.split(" ");
      if (!line.startsWith("#") && fields.length == 6 && fields[3].equals(MARKER)) {
        markers.add(URLDecoder.decode(fields[4], StandardCharsets.UTF_8));
      }
    }
    return markers;
  }

  private static List<Long> markerCarriers(Set<String> markers) {
    List<Long> pids = new ArrayList<>();
    for (String marker : markers) {
      pids.addAll(ProcessControl.findByEnvironment(MARKER, marker));
    }
    pids.removeIf(pid -> !alive(pid));
    return pids;
  }

  /** The job's two sleeps among the processes carrying one of {@code markers}. */
  private static List<Long> sleepsOf(Set<String> markers) {
    return markerCarriers(markers).stream()
        .filter(pid -> commandLine(pid).startsWith("sleep 111")).toList();
  }

  private static boolean alive(long pid) {
    return ProcStat.read(pid).map(stat -> !stat.isZombie()).orElse(false);
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (Exception e) {
      return "";
    }
  }

  /** Samples /proc: new-turn sleeps (not an old marker) and old-marker processes at once. */
  private static final class Sampler implements Runnable {
    private final Set<String> oldMarkers;
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Long> newTurnSeen = new CopyOnWriteArrayList<>();
    final List<String> overlaps = new CopyOnWriteArrayList<>();

    Sampler(Set<String> oldMarkers) {
      this.oldMarkers = oldMarkers;
    }

    @Override
    public void run() {
      while (!stop.get()) {
        // new first: a new sleep seen, then an old process seen, were both alive at that point
        List<Long> fresh = new ArrayList<>();
        for (ProcStat process : ProcStat.all()) {
          Optional<String> marker = ProcessControl.environmentVariable(process.pid(), MARKER);
          if (marker.isPresent() && !oldMarkers.contains(marker.get())
              && commandLine(process.pid()).startsWith("sleep 111")) {
            fresh.add(process.pid());
          }
        }
        List<Long> old = markerCarriers(oldMarkers);
        newTurnSeen.addAll(fresh);
        if (!fresh.isEmpty() && !old.isEmpty()) {
          overlaps.add("new " + fresh + " while old " + old + " lived");
        }
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
    }
  }

  @BeforeAll
  static void needsProcAndSignals() {
    // fails loudly where the checks cannot run rather than passing vacuously
    assertTrue(ProcessControl.isSupported(), "needs Linux /proc and signals (JNA)");
  }
}
