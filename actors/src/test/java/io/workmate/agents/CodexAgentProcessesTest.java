package io.workmate.agents;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.codex.AppServerSettings;
import io.workmate.codex.CodexAppServer;
import io.workmate.codex.CodexFixture;
import io.workmate.codex.CodexPool;
import io.workmate.codex.CommandLimits;
import io.workmate.codex.InvocationProcesses;
import io.workmate.codex.ProcessRegistration;
import io.workmate.codex.ThreadSettings;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real codex on the scripted provider, one pool for the class: no process a codex invocation
 * started outlives it, and an agent's command limits fail its invocation with a clear error while
 * an unlimited agent on the same pool is unaffected.
 */
class CodexAgentProcessesTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  /** Outside /tmp: codex refuses its sandbox helper under a temporary dir. */
  private static Path root;
  private static ActorTestKit testKit;
  private static CodexFixture fixture;
  private static ActorRef<CodexPool.Command> pool;

  @BeforeAll
  static void start() throws IOException {
    root = Files.createDirectories(Path.of("target", "processes-test-" + UUID.randomUUID())
        .toAbsolutePath());
    testKit = ActorTestKit.create();
    fixture = CodexFixture.start(root);
    AppServerSettings settings = fixture.appServerSettings().withAgentLimits(Map.of(
        "burner", CommandLimits.none().withCpuTime(Duration.ofSeconds(2)).withNice(5),
        "hog", CommandLimits.none().withAddressSpace(64L << 20)));
    pool = testKit.spawn(CodexPool.create(1, settings), "codex");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    fixture.close();
  }

  private static ThreadSettings thread(SandboxMode sandbox) {
    return fixture.threadSettings("work").withApprovalPolicy(ApprovalPolicy.NEVER)
        .withSandbox(sandbox);
  }

  private static ActorRef<Agent.Command> agent(String id, SandboxMode sandbox) {
    return testKit.spawn(CodexAgent.create(pool, thread(sandbox).forAgent(id)));
  }

  private static Agent.Invocation invocation(String id, String prompt) {
    return new Agent.Invocation(id, prompt, null, null, Duration.ofSeconds(60));
  }

  private static Agent.Update.Finished awaitFinished(TestProbe<Agent.Update> updates) {
    return updates.fishForMessage(TIMEOUT, update -> update instanceof Agent.Update.Finished
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
        .stream().filter(Agent.Update.Finished.class::isInstance)
        .map(Agent.Update.Finished.class::cast).findFirst().orElseThrow();
  }

  @Test
  void aBackgroundedCommandDoesNotOutliveItsFinishedInvocation() {
    // danger-full-access: no sandbox whose end would take the commands with it
    ActorRef<Agent.Command> agent = agent("plain", SandboxMode.DANGER_FULL_ACCESS);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(invocation("orphans-finish#1",
        "[[exec:setsid sleep 1000 & sleep 1000]]"), updates.getRef()));
    List<Long> sleeps = awaitSleeps("orphans-finish#1");
    Agent.Update.Finished finished = awaitFinished(updates);
    long end = System.nanoTime();
    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome(), String.valueOf(finished.error()));
    assertGoneWithin5s("orphans-finish#1", sleeps, end);
  }

  @Test
  void anInterruptedInvocationLeavesNoProcessBehind() {
    ActorRef<Agent.Command> agent = agent("plain", SandboxMode.DANGER_FULL_ACCESS);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    // the delay keeps the turn open after codex backgrounds the command at its 2 s yield
    agent.tell(new Agent.Invoke(invocation("orphans-cancel#1",
        "[[delay:3000]] [[exec:setsid sleep 1000 & sleep 1000]]"), updates.getRef()));
    List<Long> sleeps = awaitSleeps("orphans-cancel#1");
    agent.tell(new Agent.Interrupt("orphans-cancel#1"));
    Agent.Update.Finished finished = awaitFinished(updates);
    long end = System.nanoTime();
    assertEquals(Agent.Outcome.INTERRUPTED, finished.outcome(), String.valueOf(finished.error()));
    assertGoneWithin5s("orphans-cancel#1", sleeps, end);
  }

  @Test
  void aCommandOverItsCpuTimeLimitFailsTheInvocationThoughTheTurnCompletes() {
    // under the sandbox (bash reads .bashrc there), 2 s of CPU time, nice 5
    ActorRef<Agent.Command> agent = agent("burner", SandboxMode.WORKSPACE_WRITE);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(invocation("burner#1",
        "[[delay:1200]] [[exec:sh -c 'while :; do :; done']]"), updates.getRef()));
    Agent.Update.Finished finished = awaitFinished(updates);
    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertEquals("the command \"sh -c 'while :; do :; done'\" exceeded the CPU-time limit "
        + "of 2 s (RLIMIT_CPU; SIGXCPU, exit status 152)", finished.error());
  }

  @Test
  void aCommandOverItsAddressSpaceLimitFailsTheInvocation() {
    // without the sandbox: bash reads $BASH_ENV after the thread's shell snapshot
    ActorRef<Agent.Command> agent = agent("hog", SandboxMode.DANGER_FULL_ACCESS);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(invocation("hog#1",
        "[[exec:head -c 300M /dev/zero | tail]]"), updates.getRef()));
    Agent.Update.Finished finished = awaitFinished(updates);
    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().startsWith("the command \"head -c 300M /dev/zero | tail\" "
        + "exceeded the address-space limit of 64 MiB (RLIMIT_AS): "), finished.error());
  }

  @Test
  void anUnlimitedAgentOnTheSamePoolRunsTheSameCommandsUnhindered() {
    ActorRef<Agent.Command> agent = agent("plain", SandboxMode.DANGER_FULL_ACCESS);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(invocation("plain#1",
        "[[exec:ulimit -t; ulimit -v; head -c 100M /dev/zero | tail | wc -c]]"),
        updates.getRef()));
    Agent.Update.Finished finished = awaitFinished(updates);
    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome(), String.valueOf(finished.error()));
    assertTrue(finished.text().contains("unlimited\nunlimited\n104857600"), finished.text());
  }

  @Test
  void anAppServerIsRegisteredWhileItLivesAndUnregisteredOnceGoneAndSwept() {
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    ProcessRegistration recording = new ProcessRegistration() {
      @Override
      public void register(long pid, String label, String markerName, String markerValue) {
        calls.add("register " + pid + " " + label + " " + markerName);
      }

      @Override
      public void unregister(long pid) {
        calls.add("unregister " + pid);
      }
    };
    ActorRef<CodexAppServer.Command> server = testKit.spawn(CodexAppServer.create("registered",
        fixture.appServerSettings().withRegistration(recording)));
    TestProbe<CodexAppServer.Status> status = testKit.createTestProbe();
    await().atMost(TIMEOUT).until(() -> {
      server.tell(new CodexAppServer.GetStatus(status.getRef()));
      return status.receiveMessage().state().equals("running");
    });
    server.tell(new CodexAppServer.GetStatus(status.getRef()));
    long pid = status.receiveMessage().pid();
    assertEquals(List.of("register " + pid + " registered generation 1 WORKMATE_CODEX_INSTANCE"),
        List.copyOf(calls));
    testKit.stop(server);
    await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 2);
    assertEquals("unregister " + pid, calls.get(1));
    assertFalse(alive(pid), "the app-server is gone before it is unregistered");
  }

  /** The two sleeps of the invocation, found by its marker while the turn runs. */
  private static List<Long> awaitSleeps(String invocationId) {
    List<Long> sleeps = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      sleeps.clear();
      for (long pid : marked(invocationId)) {
        if (commandLine(pid).equals("sleep 1000")) {
          sleeps.add(pid);
        }
      }
      return sleeps.size() == 2;
    });
    return List.copyOf(sleeps);
  }

  private static void assertGoneWithin5s(String invocationId, List<Long> sleeps, long endNanos) {
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() ->
        marked(invocationId).isEmpty() && sleeps.stream().noneMatch(CodexAgentProcessesTest::alive));
    assertTrue(System.nanoTime() - endNanos < Duration.ofSeconds(5).toNanos());
    for (long pid : sleeps) {
      assertFalse(alive(pid), "sleep 1000 (pid " + pid + ") is still running");
    }
  }

  /** Live processes whose environment has the invocation's marker (its id plus a suffix). */
  private static List<Long> marked(String invocationId) {
    byte[] prefix = (InvocationProcesses.MARKER_VARIABLE + "=" + invocationId + "~")
        .getBytes(StandardCharsets.UTF_8);
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : proc) {
        long pid = Long.parseLong(entry.getFileName().toString());
        if (alive(pid) && hasEntry(entry.resolve("environ"), prefix)) {
          found.add(pid);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }

  private static boolean hasEntry(Path environ, byte[] prefix) {
    try {
      String all = new String(Files.readAllBytes(environ), StandardCharsets.UTF_8);
      String wanted = new String(prefix, StandardCharsets.UTF_8);
      for (String entry : all.split("\0")) {
        if (entry.startsWith(wanted)) {
          return true;
        }
      }
    } catch (IOException e) {
      // gone meanwhile
    }
    return false;
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** Running and not a zombie. */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }
}
