package io.workmate.protocol.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Notifications and server requests decode once into their typed records. The lines are codex
 * 0.169.0's own (shared/reference/transcripts/codex/approval-interrupt.jsonl), shortened to the
 * fields that matter; fields outside the records are ignored.
 */
class CodexMessagesTest {

  private static final String THREAD = "01a1fec4-da54-7cb2-9aac-1b49de6d8e40";
  private static final String TURN = "01a1fec4-da82-7010-b221-0cf897622046";

  private final JsonRpcCodec codec = new JsonRpcCodec();

  @Test
  void turnStartedNamesItsThreadAndTurn() throws Exception {
    CodexNotification notification = notification("{\"method\": \"turn/started\", \"params\": "
        + "{\"threadId\": \"" + THREAD + "\", \"turn\": {\"id\": \"" + TURN + "\", \"items\": [],"
        + " \"status\": \"inProgress\", \"error\": null}}, \"emittedAtMs\": 1795275676327}");

    Notifications.TurnStarted started =
        assertInstanceOf(Notifications.TurnStarted.class, notification.body());
    assertEquals(TurnStatus.IN_PROGRESS, started.turn().status());
    assertEquals(THREAD, notification.threadId());
    assertEquals(TURN, notification.body().turnId());
    assertEquals("turn/started", notification.method());
    assertEquals(THREAD, notification.params().get("threadId").asText(), "params kept as sent");
  }

  @Test
  void turnCompletedCarriesItsStatusAndError() throws Exception {
    CodexNotification notification = notification("{\"method\": \"turn/completed\", \"params\": "
        + "{\"threadId\": \"" + THREAD + "\", \"turn\": {\"id\": \"" + TURN + "\", \"items\": "
        + "[{\"type\": \"agentMessage\", \"text\": \"hi\"}], \"status\": \"failed\", \"error\": "
        + "{\"message\": \"stream disconnected\", \"codexErrorInfo\": null}, \"durationMs\": 2209}}}");

    Turn turn = assertInstanceOf(Notifications.TurnCompleted.class, notification.body()).turn();
    assertEquals(TurnStatus.FAILED, turn.status());
    assertEquals("stream disconnected", turn.error().message());
    assertEquals(List.of("hi"), turn.items().stream()
        .map(item -> ThreadItems.agentMessageText(item).orElseThrow()).toList());
    assertEquals(TURN, notification.body().turnId());
  }

  @Test
  void itemsDeltasAndErrorsAreTyped() throws Exception {
    Notifications.ItemStarted item = assertInstanceOf(Notifications.ItemStarted.class,
        notification("{\"method\": \"item/started\", \"params\": {\"item\": {\"type\": "
            + "\"commandExecution\", \"id\": \"call_resp_001\"}, \"threadId\": \"" + THREAD
            + "\", \"turnId\": \"" + TURN + "\"}}").body());
    assertEquals(ThreadItems.COMMAND_EXECUTION, ThreadItems.type(item.item()));
    assertEquals(TURN, item.turnId());

    Notifications.AgentMessageDelta delta = assertInstanceOf(
        Notifications.AgentMessageDelta.class,
        notification("{\"method\": \"item/agentMessage/delta\", \"params\": {\"threadId\": \""
            + THREAD + "\", \"turnId\": \"" + TURN + "\", \"itemId\": \"msg_1\", \"delta\": "
            + "\"Hello fr\"}}").body());
    assertEquals("Hello fr", delta.delta());

    Notifications.Error error = assertInstanceOf(Notifications.Error.class,
        notification("{\"method\": \"error\", \"params\": {\"error\": {\"message\": \"boom\"},"
            + " \"willRetry\": false, \"threadId\": \"" + THREAD + "\", \"turnId\": \"" + TURN
            + "\"}}").body());
    assertEquals("boom", error.error().message());
    assertFalse(error.willRetry());
  }

  @Test
  void threadStartedNamesTheThreadItNests() throws Exception {
    CodexNotification notification = notification("{\"method\": \"thread/started\", \"params\":"
        + " {\"thread\": {\"id\": \"" + THREAD + "\", \"status\": {\"type\": \"idle\"}}}}");

    assertInstanceOf(Notifications.ThreadStarted.class, notification.body());
    assertEquals(THREAD, notification.threadId());
    assertNull(notification.body().turnId());
  }

  @Test
  void aNotificationWorkmateDoesNotReadIsOtherButStillNamesItsThreadAndTurn() throws Exception {
    CodexNotification usage = notification("{\"method\": \"thread/tokenUsage/updated\", "
        + "\"params\": {\"threadId\": \"" + THREAD + "\", \"turnId\": \"" + TURN + "\", "
        + "\"tokenUsage\": {\"total\": {\"totalTokens\": 15}}}}");
    assertInstanceOf(Notifications.Other.class, usage.body());
    assertEquals(THREAD, usage.threadId());
    assertEquals(TURN, usage.body().turnId());
    assertEquals(15, usage.params().path("tokenUsage").path("total").path("totalTokens").asInt());

    CodexNotification limits = notification("{\"method\": \"account/rateLimits/updated\", "
        + "\"params\": {\"rateLimits\": {\"limitId\": \"codex\"}}}");
    assertNull(limits.threadId());

    CodexNotification legacy = notification("{\"method\": \"codex/event\", \"params\": "
        + "{\"conversationId\": \"" + THREAD + "\"}}");
    assertEquals(THREAD, legacy.threadId());
  }

  @Test
  void paramsOfAnUnexpectedShapeReadAsOtherInsteadOfFailing() throws Exception {
    CodexNotification odd = notification("{\"method\": \"turn/completed\", \"params\": "
        + "{\"threadId\": \"" + THREAD + "\", \"turn\": \"not an object\"}}");
    assertInstanceOf(Notifications.Other.class, odd.body());
    assertEquals(THREAD, odd.threadId());

    CodexNotification none = notification("{\"method\": \"turn/started\"}");
    assertInstanceOf(Notifications.TurnStarted.class, none.body());
    assertNull(none.threadId());
  }

  @Test
  void aCommandApprovalIsTypedAndSupported() throws Exception {
    CodexRequest request = request("{\"method\": \"item/commandExecution/requestApproval\", "
        + "\"id\": 0, \"params\": {\"kind\": \"command\", \"threadId\": \"" + THREAD + "\", "
        + "\"turnId\": \"" + TURN + "\", \"itemId\": \"call_resp_001\", \"command\": "
        + "\"/bin/bash -lc 'touch x'\", \"cwd\": \"/ws\", \"availableDecisions\": [\"accept\"]}}");

    Approvals.CommandParams params =
        assertInstanceOf(Approvals.CommandParams.class, request.body());
    assertEquals("/bin/bash -lc 'touch x'", params.command());
    assertEquals(TURN, params.turnId());
    assertEquals(THREAD, request.threadId());
    assertEquals(0, request.id().asInt());
    assertTrue(request.supported());
    assertFalse(request.body().legacy());
  }

  @Test
  void legacyApprovalsNameTheirThreadByConversationId() throws Exception {
    CodexRequest exec = request("{\"method\": \"execCommandApproval\", \"id\": 7, \"params\": "
        + "{\"conversationId\": \"" + THREAD + "\", \"callId\": \"c1\", \"command\": [\"ls\", "
        + "\"-la\"], \"cwd\": \"/ws\"}}");
    Approvals.LegacyExecParams params =
        assertInstanceOf(Approvals.LegacyExecParams.class, exec.body());
    assertEquals(List.of("ls", "-la"), params.command());
    assertEquals(THREAD, exec.threadId());
    assertTrue(exec.body().legacy());

    CodexRequest patch = request("{\"method\": \"applyPatchApproval\", \"id\": 8, \"params\": "
        + "{\"conversationId\": \"" + THREAD + "\", \"callId\": \"c2\", \"fileChanges\": "
        + "{\"a.txt\": {}, \"b.txt\": {}}}}");
    assertEquals(2, assertInstanceOf(Approvals.LegacyPatchParams.class, patch.body())
        .fileChanges().size());
    assertTrue(patch.body().legacy());
  }

  @Test
  void aRequestWorkmateDoesNotHandleIsUnsupportedAndNamesItsThread() throws Exception {
    CodexRequest request = request("{\"id\": \"srv-1\", \"method\": \"item/tool/call\", "
        + "\"params\": {\"threadId\": \"" + THREAD + "\"}}");

    assertInstanceOf(Approvals.Unsupported.class, request.body());
    assertFalse(request.supported());
    assertEquals(THREAD, request.threadId());
    assertEquals("srv-1", request.id().asText());
  }

  private CodexNotification notification(String line) throws Exception {
    return CodexNotification.decode((JsonRpcMessage.Notification) codec.decode(line), codec);
  }

  private CodexRequest request(String line) throws Exception {
    return CodexRequest.decode((JsonRpcMessage.Request) codec.decode(line), codec);
  }
}
