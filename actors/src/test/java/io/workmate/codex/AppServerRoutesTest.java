package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.protocol.codex.Approvals;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.RpcError;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What the stdout pump decides for each line, without a process: who gets it, and once. */
class AppServerRoutesTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private static final JsonRpcCodec codec = JsonRpcCodec.shared();
  private static final Duration QUIET = Duration.ofMillis(200);

  private final AppServerRoutes routes = new AppServerRoutes("test-server", codec);

  @AfterAll
  static void stopKit() {
    kit.shutdownTestKit();
  }

  /** Records whether the call's timeout was cancelled. */
  private static final class TimeoutTimer implements Cancellable {
    private boolean cancelled;

    @Override
    public boolean cancel() {
      boolean first = !cancelled;
      cancelled = true;
      return first;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }

  @Test
  void anAnswerCompletesItsCallOnceAndCancelsItsTimeout() {
    routes.newGeneration(1);
    TestProbe<CallResult> caller = kit.createTestProbe();
    TimeoutTimer timer = new TimeoutTimer();
    routes.expect(7, new AppServerRoutes.PendingCall("model/list", Optional.empty(),
        caller.getRef(), timer));

    routes.answer(1, new JsonRpcMessage.Response(LongNode.valueOf(7), ok("first")));
    routes.answer(1, new JsonRpcMessage.Response(LongNode.valueOf(7), ok("second")));

    CallResult.Success success = assertInstanceOf(CallResult.Success.class,
        caller.receiveMessage());
    assertEquals("first", success.result().path("answer").asText());
    caller.expectNoMessage(QUIET);
    assertTrue(timer.isCancelled(), "the timeout is cancelled by the answer");
    assertTrue(routes.takeCall(7).isEmpty(), "a timeout firing now finds nothing to fail");
    assertEquals(0, routes.pendingCalls());
  }

  @Test
  void anErrorAnswerFailsItsCallWithCodexsMessage() {
    routes.newGeneration(1);
    TestProbe<CallResult> caller = kit.createTestProbe();
    routes.expect(3, new AppServerRoutes.PendingCall("turn/start", Optional.empty(),
        caller.getRef(), new TimeoutTimer()));

    routes.answer(1, new JsonRpcMessage.ErrorResponse(LongNode.valueOf(3),
        new RpcError(RpcError.INVALID_REQUEST, "no such thread")));

    CallResult.Failure failure = assertInstanceOf(CallResult.Failure.class,
        caller.receiveMessage());
    assertEquals(CallResult.Kind.REMOTE_ERROR, failure.kind());
    assertEquals("no such thread", failure.reason());
  }

  @Test
  void aThreadStartAnswerAttachesTheThreadBeforeItsFirstNotificationIsRouted() {
    routes.newGeneration(1);
    TestProbe<CallResult> caller = kit.createTestProbe();
    TestProbe<AppServerEvent> thread = kit.createTestProbe();
    routes.expect(1, new AppServerRoutes.PendingCall("thread/start",
        Optional.of(thread.getRef()), caller.getRef(), new TimeoutTimer()));

    ObjectNode started = codec.mapper().createObjectNode();
    started.putObject("thread").put("id", "thread-a");
    routes.answer(1, new JsonRpcMessage.Response(LongNode.valueOf(1), started));
    routes.notification(1, turnStarted("thread-a"));
    routes.notification(1, turnStarted("thread-b"));

    assertInstanceOf(CallResult.Success.class, caller.receiveMessage());
    AppServerEvent.Notification routed = assertInstanceOf(AppServerEvent.Notification.class,
        thread.receiveMessage());
    assertEquals("thread-a", routed.notification().threadId());
    thread.expectNoMessage(QUIET); // thread-b is attached to no one
    assertEquals(1, routes.attachedThreads().size());

    routes.detach("thread-a");
    routes.notification(1, turnStarted("thread-a"));
    thread.expectNoMessage(QUIET);
  }

  @Test
  void linesOfAnOlderProcessGenerationAreDropped() {
    routes.newGeneration(1);
    TestProbe<CallResult> caller = kit.createTestProbe();
    TestProbe<AppServerEvent> thread = kit.createTestProbe();
    routes.attach("thread-a", thread.getRef());
    routes.expect(9, new AppServerRoutes.PendingCall("turn/start", Optional.empty(),
        caller.getRef(), new TimeoutTimer()));
    routes.newGeneration(2);

    routes.answer(1, new JsonRpcMessage.Response(LongNode.valueOf(9), ok("stale")));
    routes.notification(1, turnStarted("thread-a"));
    assertTrue(routes.request(1, approval("thread-a")), "a stale request is not handed back");

    caller.expectNoMessage(QUIET);
    thread.expectNoMessage(Duration.ZERO);
    assertEquals(1, routes.pendingCalls(), "the call stays for the new process's answer");
  }

  @Test
  void anApprovalGoesToItsThreadAndAnyOtherRequestIsHandedBackForAnError() {
    routes.newGeneration(1);
    TestProbe<AppServerEvent> thread = kit.createTestProbe();
    routes.attach("thread-a", thread.getRef());

    assertTrue(routes.request(1, approval("thread-a")));
    AppServerEvent.ServerRequest handed = assertInstanceOf(AppServerEvent.ServerRequest.class,
        thread.receiveMessage());
    assertEquals(CodexMethods.COMMAND_APPROVAL, handed.request().method());

    assertFalse(routes.request(1, approval("thread-b")), "no thread owns thread-b");
    assertFalse(routes.request(1, new CodexRequest(LongNode.valueOf(5), "item/tool/call",
        new Approvals.Unsupported("thread-a", null))), "Workmate does not handle it");
    thread.expectNoMessage(QUIET);
  }

  @Test
  void takingEveryCallTakesEachOnce() {
    routes.newGeneration(1);
    TestProbe<CallResult> caller = kit.createTestProbe();
    for (long id = 1; id <= 3; id++) {
      routes.expect(id, new AppServerRoutes.PendingCall("m" + id, Optional.empty(),
          caller.getRef(), new TimeoutTimer()));
    }
    assertEquals(3, routes.takeAllCalls().size());
    assertEquals(0, routes.takeAllCalls().size());
    routes.answer(1, new JsonRpcMessage.Response(LongNode.valueOf(2), ok("late")));
    caller.expectNoMessage(QUIET);
  }

  private static JsonNode ok(String answer) {
    return codec.mapper().createObjectNode().put("answer", answer);
  }

  private static CodexNotification turnStarted(String threadId) {
    ObjectNode params = codec.mapper().createObjectNode().put("threadId", threadId);
    params.putObject("turn").put("id", "turn-1").put("status", "inProgress");
    return CodexNotification.decode(
        new JsonRpcMessage.Notification(CodexMethods.TURN_STARTED, params), codec);
  }

  private static CodexRequest approval(String threadId) {
    return new CodexRequest(LongNode.valueOf(4), CodexMethods.COMMAND_APPROVAL,
        new Approvals.CommandParams(threadId, "turn-1", "item-1", null, "ls", "/tmp", null));
  }
}
