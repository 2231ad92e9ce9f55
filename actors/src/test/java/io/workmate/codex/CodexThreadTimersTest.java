package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thread's timers and clock, with the app-server played by a probe: the watchdog measures a
 * turn's silence on the injected clock, a held approval gets the default decision at its
 * deadline. Pekko's ManualTime moves the timers, the test clock moves what the thread reads.
 */
class CodexThreadTimersTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config());
  private static final ManualTime manualTime = ManualTime.get(testKit.system());
  private static final Duration SHORT = Duration.ofMillis(200);

  @TempDir Path cwd;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final TestProbe<CodexAppServer.Command> server = testKit.createTestProbe();
  private final TestProbe<ThreadEvent> events = testKit.createTestProbe();
  private final JsonRpcCodec codec = new JsonRpcCodec();
  private ActorRef<AppServerEvent> attached;

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSilentTurnFailsOnceTheClockPassesTheWatchdogLimitAndIsInterrupted() throws Exception {
    ActorRef<CodexThread.Command> thread =
        startedThread(ThreadSettings.defaults(cwd).withTurnWatchdog(Duration.ofSeconds(8)));
    TestProbe<TurnResult> result = runTurn(thread);

    clock.advance(Duration.ofSeconds(7));
    manualTime.timePasses(Duration.ofSeconds(1));
    result.expectNoMessage(SHORT);

    clock.advance(Duration.ofSeconds(2));
    manualTime.timePasses(Duration.ofSeconds(1));
    TurnResult failed = result.receiveMessage();
    assertEquals(TurnResult.Outcome.FAILED, failed.outcome());
    assertTrue(failed.error().orElse("").startsWith(
        "turn watchdog: no event from codex for 9 s (limit 8 s)"), failed.error().toString());
    assertEquals(Duration.ofSeconds(9), failed.duration());
    CodexAppServer.Call interrupt = server.expectMessageClass(CodexAppServer.Call.class);
    assertEquals(CodexMethods.TURN_INTERRUPT, interrupt.method());
    assertEquals("u1", interrupt.params().get("turnId").asText());
    assertEquals("draining", info(thread).state());

    attached.tell(new AppServerEvent.Notification(notification("{\"method\": "
        + "\"turn/completed\", \"params\": {\"threadId\": \"t1\", \"turn\": {\"id\": \"u1\", "
        + "\"status\": \"interrupted\", \"items\": []}}}")));
    assertEquals("idle", info(thread).state());
  }

  @Test
  void aHeldApprovalGetsTheDefaultDecisionAtItsDeadline() throws Exception {
    ActorRef<CodexThread.Command> thread = startedThread(ThreadSettings.defaults(cwd)
        .withApprovals(ApprovalHandling.ask(Duration.ofSeconds(30), ApprovalDecision.DECLINE)));
    runTurn(thread);
    Instant askedAt = clock.instant();

    attached.tell(new AppServerEvent.ServerRequest(request("{\"id\": 0, \"method\": "
        + "\"item/commandExecution/requestApproval\", \"params\": {\"threadId\": \"t1\", "
        + "\"turnId\": \"u1\", \"itemId\": \"call_1\", \"command\": \"/bin/bash -lc 'touch x'\","
        + " \"cwd\": \"/ws\"}}")));
    PendingApproval approval =
        events.expectMessageClass(ThreadEvent.ApprovalRequested.class).approval();
    assertEquals("/bin/bash -lc 'touch x'", approval.summary());
    assertEquals("u1", approval.turnId());
    assertEquals(askedAt, approval.requestedAt());
    assertEquals(askedAt.plusSeconds(30), approval.deadline());
    assertEquals(List.of(approval), info(thread).pendingApprovals());

    manualTime.timePasses(Duration.ofSeconds(29));
    server.expectNoMessage(SHORT);
    manualTime.timePasses(Duration.ofSeconds(1));

    CodexAppServer.Answer answer = server.expectMessageClass(CodexAppServer.Answer.class);
    assertEquals(0, answer.requestId().asInt());
    assertEquals("decline", answer.result().get("decision").asText());
    ThreadEvent.ApprovalResolved resolved =
        events.expectMessageClass(ThreadEvent.ApprovalResolved.class);
    assertEquals(ThreadEvent.DecidedBy.TIMEOUT, resolved.by());
    assertEquals(List.of(), info(thread).pendingApprovals());
  }

  /** A thread whose thread/start the probe answered with thread id t1. */
  private ActorRef<CodexThread.Command> startedThread(ThreadSettings settings) throws Exception {
    ActorRef<CodexThread.Command> thread = testKit.spawn(CodexThread.create(server.getRef(),
        settings, Optional.empty(), List.of(events.getRef()), clock));
    CodexAppServer.Call start = server.expectMessageClass(CodexAppServer.Call.class);
    assertEquals(CodexMethods.THREAD_START, start.method());
    attached = start.attach().orElseThrow();
    start.replyTo().tell(new CallResult.Success(json("{\"thread\": {\"id\": \"t1\"}}")));
    assertEquals(new ThreadEvent.Ready("t1", false),
        events.expectMessageClass(ThreadEvent.Ready.class));
    return thread;
  }

  /** Starts a turn that codex names u1 and waits until the thread knows that name. */
  private TestProbe<TurnResult> runTurn(ActorRef<CodexThread.Command> thread) throws Exception {
    TestProbe<TurnResult> result = testKit.createTestProbe();
    thread.tell(new CodexThread.RunTurn("go", result.getRef()));
    CodexAppServer.Call turnStart = server.expectMessageClass(CodexAppServer.Call.class);
    assertEquals(CodexMethods.TURN_START, turnStart.method());
    turnStart.replyTo().tell(new CallResult.Success(
        json("{\"turn\": {\"id\": \"u1\", \"status\": \"inProgress\"}}")));
    TestProbe<CodexThread.Info> info = testKit.createTestProbe();
    info.awaitAssert(() -> {
      thread.tell(new CodexThread.GetInfo(info.getRef()));
      assertEquals(Optional.of("u1"), info.receiveMessage().turnId());
      return null;
    });
    return result;
  }

  private CodexThread.Info info(ActorRef<CodexThread.Command> thread) {
    TestProbe<CodexThread.Info> probe = testKit.createTestProbe();
    thread.tell(new CodexThread.GetInfo(probe.getRef()));
    return probe.receiveMessage();
  }

  private JsonNode json(String text) throws Exception {
    return codec.mapper().readTree(text);
  }

  private CodexNotification notification(String line) throws Exception {
    return CodexNotification.decode((JsonRpcMessage.Notification) codec.decode(line), codec);
  }

  private CodexRequest request(String line) throws Exception {
    return CodexRequest.decode((JsonRpcMessage.Request) codec.decode(line), codec);
  }

}
