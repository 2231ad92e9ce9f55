package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Turns, approvals, interrupts and the watchdog, against the real codex app-server. */
class CodexThreadTest extends RealCodexTest {

  private ActorRef<CodexPool.Command> pool;

  @BeforeEach
  void startPool() {
    pool = testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
  }

  @AfterEach
  void stopPool() {
    testKit.stop(pool, Duration.ofSeconds(30));
  }



  private ActorRef<CodexThread.Command> open(ThreadSettings settings, ThreadProbe events) {
    return open(pool, settings, events);
  }

  @Test
  void textTurnStreamsDeltasAndCompletesWithTheReply() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("text"), events);

    TurnResult result = runTurn(thread, "[[chunks:5]][[reply:Hello from the scripted model]]");

    assertEquals(TurnResult.Outcome.COMPLETED, result.outcome(), () -> result.error().orElse(""));
    assertEquals("Hello from the scripted model", result.finalText());
    assertTrue(result.turnId().isPresent());
    events.await(ThreadEvent.TurnFinished.class, TIMEOUT);
    String streamed = events.seen(ThreadEvent.AgentMessageDelta.class).stream()
        .map(ThreadEvent.AgentMessageDelta::delta).collect(Collectors.joining());
    assertEquals("Hello from the scripted model", streamed, "deltas add up to the message");
    assertTrue(events.seen(ThreadEvent.AgentMessageDelta.class).size() >= 2);
    assertFalse(events.seen(ThreadEvent.TurnStarted.class).isEmpty());
    assertTrue(events.seen(ThreadEvent.ItemCompleted.class).stream()
        .anyMatch(item -> "agentMessage".equals(item.item().path("type").asText())));
  }

  @Test
  void acceptedCommandRunsAndItsOutputIsStreamed() throws Exception {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings = fixture.threadSettings("accept")
        .withApprovalPolicy(ApprovalPolicy.UNTRUSTED).withSandbox(SandboxMode.WORKSPACE_WRITE);
    ActorRef<CodexThread.Command> thread = open(settings, events);
    TestProbe<TurnResult> result = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn(
        "[[exec:touch accepted.txt && echo started && sleep 1 && echo made-by-workmate]]", result.getRef()));
    ThreadEvent.ApprovalRequested requested =
        events.await(ThreadEvent.ApprovalRequested.class, TIMEOUT);
    assertEquals("command", requested.approval().kind());
    assertTrue(requested.approval().summary().contains("touch accepted.txt"),
        requested.approval().summary());
    decide(thread, requested.approval().id(), ApprovalDecision.ACCEPT);

    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertTrue(Files.exists(settings.cwd().resolve("accepted.txt")), "the command ran");
    assertTrue(turn.finalText().contains("made-by-workmate"), turn.finalText());
    events.await(ThreadEvent.TurnFinished.class, TIMEOUT);
    String output = events.seen(ThreadEvent.CommandOutputDelta.class).stream()
        .map(ThreadEvent.CommandOutputDelta::delta).collect(Collectors.joining());
    assertTrue(output.contains("made-by-workmate"),
        "command output streamed: " + output + " events: " + events.seen());
    assertTrue(events.seen(ThreadEvent.ApprovalResolved.class).stream()
        .anyMatch(r -> r.by() == ThreadEvent.DecidedBy.REVIEWER && r.decision().equals("accept")));
  }

  @Test
  void declinedCommandDoesNotRunAndTheTurnStillCompletes() {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings =
        fixture.threadSettings("decline").withApprovalPolicy(ApprovalPolicy.UNTRUSTED);
    ActorRef<CodexThread.Command> thread = open(settings, events);
    TestProbe<TurnResult> result = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn("[[exec:touch declined.txt]]", result.getRef()));
    ThreadEvent.ApprovalRequested requested =
        events.await(ThreadEvent.ApprovalRequested.class, TIMEOUT);
    decide(thread, requested.approval().id(), ApprovalDecision.DECLINE);

    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertFalse(Files.exists(settings.cwd().resolve("declined.txt")), "declined command ran");
    assertTrue(turn.items().stream().anyMatch(item -> isCommand(item, "declined")),
        "the command item is reported declined: " + turn.items());
  }

  @Test
  void cancelledApprovalEndsTheTurnInterrupted() {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings =
        fixture.threadSettings("cancel").withApprovalPolicy(ApprovalPolicy.UNTRUSTED);
    ActorRef<CodexThread.Command> thread = open(settings, events);
    TestProbe<TurnResult> result = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn("[[exec:touch cancelled.txt]]", result.getRef()));
    ThreadEvent.ApprovalRequested requested =
        events.await(ThreadEvent.ApprovalRequested.class, TIMEOUT);
    decide(thread, requested.approval().id(), ApprovalDecision.CANCEL);

    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.INTERRUPTED, turn.outcome());
    assertFalse(Files.exists(settings.cwd().resolve("cancelled.txt")));
  }

  @Test
  void policyAnswersApprovalsWithoutAReviewer() {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings = fixture.threadSettings("policy")
        .withApprovalPolicy(ApprovalPolicy.UNTRUSTED).withApprovals(ApprovalHandling.acceptAll());
    ActorRef<CodexThread.Command> thread = open(settings, events);

    TurnResult turn = runTurn(thread, "[[exec:touch by-policy.txt]]");

    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertTrue(Files.exists(settings.cwd().resolve("by-policy.txt")));
    events.await(ThreadEvent.ApprovalResolved.class,
        resolved -> resolved.by() == ThreadEvent.DecidedBy.POLICY, TIMEOUT);
  }

  @Test
  void unansweredApprovalTakesTheDefaultDecisionAtItsDeadline() {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings = fixture.threadSettings("timeout")
        .withApprovalPolicy(ApprovalPolicy.UNTRUSTED)
        .withApprovals(ApprovalHandling.ask(Duration.ofSeconds(2), ApprovalDecision.DECLINE));
    ActorRef<CodexThread.Command> thread = open(settings, events);

    TurnResult turn = runTurn(thread, "[[exec:touch timed-out.txt]]");

    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertFalse(Files.exists(settings.cwd().resolve("timed-out.txt")));
    events.await(ThreadEvent.ApprovalResolved.class,
        resolved -> resolved.by() == ThreadEvent.DecidedBy.TIMEOUT
            && resolved.decision().equals("decline"), TIMEOUT);
  }

  @Test
  void interruptMidStreamEndsTheTurnInterrupted() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("interrupt"), events);
    TestProbe<TurnResult> result = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn(
        "[[delay:300]][[chunks:40]][[reply:a long answer that streams slowly enough to interrupt"
            + " it in the middle of the stream]]", result.getRef()));
    events.await(ThreadEvent.AgentMessageDelta.class, TIMEOUT);
    TestProbe<CodexThread.Ack> ack = testKit.createTestProbe();
    thread.tell(new CodexThread.Interrupt(ack.getRef()));
    assertTrue(ack.receiveMessage(TIMEOUT).ok());

    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.INTERRUPTED, turn.outcome());
    // the thread is usable afterwards
    assertEquals(TurnResult.Outcome.COMPLETED, runTurn(thread, "[[reply:after]]").outcome());
  }

  @Test
  void anInterruptSentBeforeCodexNamedTheTurnStillLands() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("early-interrupt"), events);
    TestProbe<TurnResult> result = testKit.createTestProbe();
    TestProbe<CodexThread.Ack> ack = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn("[[delay:500]][[chunks:20]][[reply:never finished]]",
        result.getRef()));
    thread.tell(new CodexThread.Interrupt(ack.getRef()));

    assertTrue(ack.receiveMessage(TIMEOUT).ok());
    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.INTERRUPTED, turn.outcome(), turn.toString());
    assertEquals(TurnResult.Outcome.COMPLETED, runTurn(thread, "[[reply:next]]").outcome());
  }

  @Test
  void steerAddsInputToTheRunningTurn() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("steer"), events);
    TestProbe<TurnResult> result = testKit.createTestProbe();

    thread.tell(new CodexThread.RunTurn(
        "[[delay:200]][[chunks:15]][[reply:working on the first request, slowly]]",
        result.getRef()));
    events.await(ThreadEvent.AgentMessageDelta.class, TIMEOUT);
    TestProbe<CodexThread.Ack> ack = testKit.createTestProbe();
    thread.tell(new CodexThread.Steer("[[reply:steered]] also do this", ack.getRef()));
    CodexThread.Ack steered = ack.receiveMessage(TIMEOUT);

    assertTrue(steered.ok(), steered.message());
    TurnResult turn = result.receiveMessage(TIMEOUT);
    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertTrue(fixture.provider().requests().stream()
            .anyMatch(request -> request.userTexts().contains("[[reply:steered]] also do this")),
        "the steering input reached the model");
  }

  @Test
  void stalledProviderStreamTripsTheWatchdogAndTheThreadRecovers() {
    ThreadProbe events = new ThreadProbe(testKit);
    ThreadSettings settings =
        fixture.threadSettings("stall").withTurnWatchdog(Duration.ofSeconds(3));
    ActorRef<CodexThread.Command> thread = open(settings, events);

    TurnResult stalled = runTurn(thread, "[[stall]]");

    assertEquals(TurnResult.Outcome.FAILED, stalled.outcome());
    assertTrue(stalled.error().orElse("").contains("turn watchdog"), stalled.error().toString());
    TurnResult next = runTurn(thread, "[[reply:still alive]]");
    assertEquals(TurnResult.Outcome.COMPLETED, next.outcome(), () -> next.error().orElse(""));
    assertEquals("still alive", next.finalText());
  }

  @Test
  void providerErrorsFailTheTurnWithCodexsReason() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("errors"), events);

    TurnResult failed = runTurn(thread, "[[http:500]]");

    assertEquals(TurnResult.Outcome.FAILED, failed.outcome());
    assertFalse(failed.error().orElse("").isBlank(), "a reason is given");
    assertEquals(TurnResult.Outcome.COMPLETED, runTurn(thread, "[[reply:ok]]").outcome());
  }

  @Test
  void steerAndInterruptWithoutATurnAreRefusedClearly() {
    ThreadProbe events = new ThreadProbe(testKit);
    ActorRef<CodexThread.Command> thread = open(fixture.threadSettings("idle"), events);
    TestProbe<CodexThread.Ack> ack = testKit.createTestProbe();

    thread.tell(new CodexThread.Interrupt(ack.getRef()));
    CodexThread.Ack interrupt = ack.receiveMessage();
    thread.tell(new CodexThread.Decide("ap-unknown", ApprovalDecision.ACCEPT, ack.getRef()));
    CodexThread.Ack decide = ack.receiveMessage();

    assertFalse(interrupt.ok());
    assertTrue(interrupt.message().contains("no turn"));
    assertFalse(decide.ok());
    assertTrue(decide.message().contains("ap-unknown"));
    TurnResult empty = runTurn(thread, "   ");
    assertEquals(TurnResult.Outcome.FAILED, empty.outcome());
    assertTrue(empty.error().orElse("").contains("empty"));
  }

  private void decide(ActorRef<CodexThread.Command> thread, String id, ApprovalDecision decision) {
    TestProbe<CodexThread.Ack> ack = testKit.createTestProbe();
    thread.tell(new CodexThread.Decide(id, decision, ack.getRef()));
    CodexThread.Ack answer = ack.receiveMessage(TIMEOUT);
    assertTrue(answer.ok(), answer.message());
  }

  private static boolean isCommand(JsonNode item, String status) {
    return "commandExecution".equals(item.path("type").asText())
        && status.equals(item.path("status").asText());
  }
}
