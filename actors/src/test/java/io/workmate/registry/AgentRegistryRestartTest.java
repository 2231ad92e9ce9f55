package io.workmate.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.agents.AgentHandle;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry across a {@code kill -9} on the real H2 file journal: a child JVM
 * ({@link RegistryWriter}) registers agents with TTLs and is killed; this JVM recovers them
 * with their capabilities and deadlines, expires the one whose deadline passed while nothing
 * ran at once, and the one that then misses its heartbeats when its deadline comes.
 */
class AgentRegistryRestartTest {

  private static final String END_OF_OUTPUT = "\u0000eof";
  private static final long CHILD_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(90);

  @TempDir Path dir;

  /** What the child printed of one agent. */
  private record Printed(Instant expiresAt, Set<String> capabilities) {}

  @Test
  void agentsCapabilitiesAndDeadlinesSurviveAKill9AndMissedHeartbeatsStillExpire()
      throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    Path childErrors = dir.resolve("child-stderr.log");
    Map<String, Printed> printed = new TreeMap<>();
    Instant heartbeatDeadline = runAndKillWriter(h2, childErrors, printed);

    assertEquals(Set.of("reviewer", "local-codex", "pythonista", "fading", "flaky"),
        printed.keySet(), "the child registered all five");
    assertEquals(heartbeatDeadline, printed.get("reviewer").expiresAt());
    Instant flakyDeadline = printed.get("flaky").expiresAt();
    // flaky's deadline passes while no registry runs: nothing but recovery can expire it. The
    // recovered registry's clock starts past it rather than the test sleeping until then
    Duration ahead = Duration.between(Instant.now(), flakyDeadline.plusMillis(300));
    Clock clock = Clock.offset(Clock.systemUTC(), ahead.isNegative() ? Duration.ZERO : ahead);

    ActorTestKit testKit = io.workmate.testkit.H2TestJournal.start("registry-after-kill", h2);
    try {
      ActorRef<AgentRegistry.Command> registry =
          testKit.spawn(AgentRegistry.create("default", AgentRegistryTest.FACTORIES, clock));
      TestProbe<List<AgentHandle>> live = testKit.createTestProbe();
      registry.tell(new AgentRegistry.Subscribe(live.ref()));

      TestProbe<AgentRegistry.Agents> agents = testKit.createTestProbe();
      registry.tell(new AgentRegistry.ListAgents(agents.ref()));
      Map<String, RegisteredAgent> recovered = new TreeMap<>();
      agents.receiveMessage(Duration.ofSeconds(30)).agents()
          .forEach(agent -> recovered.put(agent.id(), agent));

      assertEquals(Set.of("fading", "local-codex", "pythonista", "reviewer"),
          recovered.keySet(), "flaky, past its deadline, is gone; the rest are back");
      for (RegisteredAgent agent : recovered.values()) {
        Printed before = printed.get(agent.id());
        assertEquals(before.capabilities(), agent.registration().profile().capabilities(),
            agent.id());
        assertEquals(before.expiresAt(), agent.expiresAt(), agent.id() + "'s deadline");
      }
      assertNull(recovered.get("local-codex").expiresAt(), "the local agent never expires");
      assertEquals(Duration.ofSeconds(600), recovered.get("reviewer").registration().ttl());

      assertEquals(List.of("fading", "local-codex", "reviewer"), discover(testKit, registry,
          "java"));
      assertEquals(List.of("local-codex", "reviewer"), discover(testKit, registry, "java",
          "review"));
      assertEquals(List.of("pythonista"), discover(testKit, registry, "python"));
      assertEquals(List.of(), discover(testKit, registry, "rust"));

      List<String> firstLive = ids(live.receiveMessage(Duration.ofSeconds(10)));
      assertEquals(List.of("fading", "local-codex", "pythonista", "reviewer"), firstLive,
          "the recovered agents run again");

      // fading gets no heartbeat from anyone: it leaves the live set at its deadline
      Instant fadingDeadline = printed.get("fading").expiresAt();
      Duration wait = Duration.between(clock.instant(), fadingDeadline).plusSeconds(10);
      List<String> afterExpiry = ids(live.receiveMessage(wait));
      Instant expiredSeenAt = clock.instant();
      assertEquals(List.of("local-codex", "pythonista", "reviewer"), afterExpiry);
      assertTrue(!expiredSeenAt.isBefore(fadingDeadline),
          "not before its deadline: " + expiredSeenAt + " vs " + fadingDeadline);

      List<AgentEvent> events = events(testKit);
      assertEquals(1, events.stream().filter(e -> e instanceof AgentEvent.Expired expired
          && expired.agentId().equals("flaky") && expired.deadline().equals(flakyDeadline))
          .count(), "flaky's expiry was journaled once, on recovery: " + events);
      assertEquals(1, events.stream().filter(e -> e instanceof AgentEvent.Expired expired
          && expired.agentId().equals("fading")).count(), events.toString());
      assertEquals(1, events.stream().filter(e -> e instanceof AgentEvent.HeartbeatRecorded)
          .count(), "the child's heartbeat was journaled: " + events);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static List<String> discover(ActorTestKit testKit,
      ActorRef<AgentRegistry.Command> registry, String... capabilities) {
    TestProbe<AgentRegistry.Agents> probe = testKit.createTestProbe();
    registry.tell(new AgentRegistry.Discover(Set.of(capabilities), probe.ref()));
    return probe.receiveMessage().ids();
  }

  private static List<AgentEvent> events(ActorTestKit testKit) throws Exception {
    JdbcReadJournal journal = PersistenceQuery.get(testKit.system())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return journal.currentEventsByPersistenceId(AgentRegistry.persistenceId("default").id(), 0,
            Long.MAX_VALUE)
        .map(envelope -> (AgentEvent) envelope.event())
        .runWith(Sink.seq(), testKit.system())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static List<String> ids(List<AgentHandle> handles) {
    return handles.stream().map(AgentHandle::id).toList();
  }

  /** Runs the writer until READY, SIGKILLs it; returns the heartbeat's deadline. */
  private static Instant runAndKillWriter(Path h2, Path childErrors, Map<String, Printed> printed)
      throws Exception {
    Process child = io.workmate.testkit.ChildJvm.start(RegistryWriter.class, "256m",
        childErrors, h2.toString());
    try {
      BlockingQueue<String> lines = pump(child);
      long deadline = System.nanoTime() + CHILD_DEADLINE_NANOS;
      Instant heartbeat = null;
      while (true) {
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null || line.equals(END_OF_OUTPUT)) {
          throw new AssertionError("the writer stopped before READY; its stderr:\n"
              + Files.readString(childErrors));
        }
        if (line.startsWith("HEARTBEAT ")) {
          heartbeat = Instant.parse(line.substring(10).trim());
        } else if (line.startsWith("AGENT ")) {
          String[] parts = line.split(" ", -1);
          printed.put(parts[1], new Printed(parts[2].equals("-") ? null : Instant.parse(parts[2]),
              parts[3].isEmpty() ? Set.of() : new TreeSet<>(List.of(parts[3].split(",")))));
        } else if (line.equals("READY")) {
          break;
        }
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
      assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");
      return heartbeat;
    } finally {
      child.destroyForcibly();
    }
  }

  private static BlockingQueue<String> pump(Process child) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = child.inputReader()) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the pipe closes when the child dies
      } finally {
        lines.add(END_OF_OUTPUT);
      }
    }, "registry-writer-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }
}
