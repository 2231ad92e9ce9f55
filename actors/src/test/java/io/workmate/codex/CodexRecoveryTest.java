package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.nativeos.ProcessControl;
import io.workmate.nativeos.Signal;
import io.workmate.protocol.responses.RecordedRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** kill -9 of the app-server mid-turn: the turn fails, the process returns, history survives. */
class CodexRecoveryTest extends RealCodexTest {


  @Test
  void killedProcessFailsTheTurnAndTheNextTurnKeepsTheHistory() throws Exception {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(pool, fixture.threadSettings("recovery"), events);

    TurnResult first = runTurn(thread, "[[reply:the password is swordfish]] remember this");
    assertEquals(TurnResult.Outcome.COMPLETED, first.outcome(), () -> first.error().orElse(""));

    // a slow stream, so the kill lands mid-turn; the command keeps a child process running too
    TestProbe<TurnResult> doomed = testKit.createTestProbe();
    thread.tell(new CodexThread.RunTurn(
        "[[delay:400]][[chunks:30]][[reply:this turn will not finish because codex is killed]]",
        doomed.getRef()));
    events.await(ThreadEvent.AgentMessageDelta.class, TIMEOUT);
    CodexAppServer.Status before = status(pool);
    assertTrue(ProcessControl.signal(before.pid(), Signal.SIGKILL), "codex was running");

    TurnResult failed = doomed.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.FAILED, failed.outcome());
    String reason = failed.error().orElse("");
    assertTrue(reason.contains("process died") && reason.contains("SIGKILL"), reason);
    events.await(ThreadEvent.Ready.class, ThreadEvent.Ready::resumed, TIMEOUT);

    int requestsBefore = fixture.provider().requestCount();
    TurnResult recalled = runTurn(thread, "[[recall]]");
    assertEquals(TurnResult.Outcome.COMPLETED, recalled.outcome(),
        () -> recalled.error().orElse(""));
    assertTrue(recalled.finalText().contains("remember this"), recalled.finalText());
    RecordedRequest request = fixture.provider().requests().get(requestsBefore);
    assertTrue(request.assistantTexts().contains("the password is swordfish"),
        "the provider saw the earlier answer: " + request.assistantTexts());

    CodexAppServer.Status after = status(pool);
    assertTrue(after.generation() > before.generation(), "a new process was started");
    assertFalse(after.pid() == before.pid());

    testKit.stop(pool, Duration.ofSeconds(30));
    awaitNoCodexProcesses();
  }

  @Test
  void aThreadIsResumedByIdInANewPool() throws Exception {
    ActorRef<CodexPool.Command> first =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(first, fixture.threadSettings("recovery"), events);
    assertTrue(runTurn(thread, "[[reply:noted]] the colour is teal").completed());
    String threadId = events.seen(ThreadEvent.Ready.class).get(0).threadId();
    testKit.stop(first, Duration.ofSeconds(30));

    ActorRef<CodexPool.Command> second =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
    ThreadProbe resumedEvents = new ThreadProbe(testKit);
    TestProbe<CodexPool.ThreadOpened> opened = testKit.createTestProbe();
    second.tell(new CodexPool.OpenThread(fixture.threadSettings("recovery"),
        Optional.of(threadId), List.of(resumedEvents.ref()), opened.getRef()));
    ActorRef<CodexThread.Command> resumed = opened.receiveMessage().thread();
    ThreadEvent.Ready ready = resumedEvents.await(ThreadEvent.Ready.class, TIMEOUT);
    assertEquals(threadId, ready.threadId());
    assertTrue(ready.resumed());

    TurnResult recalled = runTurn(resumed, "[[recall]]");
    assertTrue(recalled.finalText().contains("the colour is teal"), recalled.finalText());
    testKit.stop(second, Duration.ofSeconds(30));
  }

  @Test
  void resumingAnUnknownThreadClosesWithCodexsReason() {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
    ThreadProbe events = new ThreadProbe(testKit);
    TestProbe<CodexPool.ThreadOpened> opened = testKit.createTestProbe();
    pool.tell(new CodexPool.OpenThread(fixture.threadSettings("recovery"),
        Optional.of("01a1fec5-0000-7000-8000-000000000000"), List.of(events.ref()),
        opened.getRef()));

    ThreadEvent.Closed closed = events.await(ThreadEvent.Closed.class, TIMEOUT);

    assertTrue(closed.reason().contains("could not resume")
        && closed.reason().contains("no rollout found"), closed.reason());
    testKit.stop(pool, Duration.ofSeconds(30));
  }

  @Test
  void stoppingThePoolLeavesNoCodexProcessBehind() throws Exception {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(2, fixture.appServerSettings()));
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(pool, fixture.threadSettings("recovery"), events);
    TestProbe<TurnResult> running = testKit.createTestProbe();
    // a long-running command in flight when the pool stops
    thread.tell(new CodexThread.RunTurn("[[exec:sleep 300]]", running.getRef()));
    events.await(ThreadEvent.ItemStarted.class,
        started -> "commandExecution".equals(started.item().path("type").asText()), TIMEOUT);
    assertFalse(fixture.codexProcesses().isEmpty());

    testKit.stop(pool, Duration.ofSeconds(30));

    awaitNoCodexProcesses();
  }

  private void awaitNoCodexProcesses() {
    Awaitility.await("codex processes (or their children) left behind")
        .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertEquals(List.of(), fixture.codexProcesses(),
            "codex processes (or their children) left behind"));
  }

  private CodexAppServer.Status status(ActorRef<CodexPool.Command> pool) {
    TestProbe<List<ActorRef<CodexAppServer.Command>>> servers = testKit.createTestProbe();
    pool.tell(new CodexPool.ListProcesses(servers.getRef()));
    TestProbe<CodexAppServer.Status> status = testKit.createTestProbe();
    servers.receiveMessage().get(0).tell(new CodexAppServer.GetStatus(status.getRef()));
    return status.receiveMessage();
  }
}
