package io.workmate.protocol.openclaw;

import static io.workmate.protocol.openclaw.GatewayCodecTest.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** agent (answered twice), agent.wait and chat.send: starting runs and collecting results. */
class AgentReplyTest {

  private static final String RUN_ID = "0c5e2a14-6a1f-4c36-9d0b-2f8e4d7b9a11";

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void theAgentDoubleAnswerReadsAsAcceptedThenFinal() throws Exception {
    AgentReply first = AgentReply.from(response(RealFrames.AGENT_ACCEPTED), codec);
    AgentReply second = AgentReply.from(response(RealFrames.AGENT_FINAL_OK), codec);

    AgentAccepted accepted = assertInstanceOf(AgentAccepted.class, first);
    assertFalse(accepted.isFinal(), "the request must stay pending");
    assertEquals(RUN_ID, accepted.runId());
    assertEquals(1795275900000L, accepted.acceptedAt());

    AgentResult result = assertInstanceOf(AgentResult.class, second);
    assertTrue(result.isFinal());
    assertTrue(result.succeeded());
    assertEquals(RUN_ID, result.runId());
    assertEquals("completed", result.summary());
    assertEquals("MOCK-REPLY #3", result.text());
  }

  @Test
  void bothAnswersShareTheRequestId() throws Exception {
    assertEquals(response(RealFrames.AGENT_ACCEPTED).id(),
        response(RealFrames.AGENT_FINAL_OK).id());
  }

  @Test
  void aFailedFinalAnswerKeepsItsPayloadAndTheErrorMessage() throws Exception {
    GatewayFrame.Response failed = response("{\"type\":\"res\",\"id\":\"r7\",\"ok\":false,"
        + "\"payload\":{\"runId\":\"" + RUN_ID + "\",\"status\":\"error\","
        + "\"summary\":\"Error: model unavailable\"},"
        + "\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"Error: model unavailable\"}}");

    AgentResult result = assertInstanceOf(AgentResult.class, AgentReply.from(failed, codec));

    assertFalse(result.succeeded());
    assertEquals(AgentResult.STATUS_ERROR, result.status());
    assertEquals(RUN_ID, result.runId());
    assertEquals("Error: model unavailable", result.error());
    assertEquals("", result.text());
  }

  @Test
  void aFailedAnswerWithoutPayloadIsAnErrorResult() throws Exception {
    GatewayFrame.Response failed = response("{\"type\":\"res\",\"id\":\"r8\",\"ok\":false,"
        + "\"error\":{\"code\":\"INVALID_REQUEST\","
        + "\"message\":\"invalid agent params: must have required property 'idempotencyKey'\"}}");

    AgentResult result = assertInstanceOf(AgentResult.class, AgentReply.from(failed, codec));

    assertTrue(result.isFinal());
    assertEquals(AgentResult.STATUS_ERROR, result.status());
    assertTrue(result.error().startsWith("invalid agent params"), result.error());
  }

  @Test
  void aCachedAbortedOutcomeIsAFinalTimeout() throws Exception {
    // re-sending an idempotencyKey returns the cached outcome (abort.jsonl, r5 via chat.send)
    GatewayFrame.Response cached = response("{\"type\":\"res\",\"id\":\"r9\",\"ok\":true,"
        + "\"payload\":{\"runId\":\"" + RUN_ID + "\",\"status\":\"timeout\","
        + "\"summary\":\"aborted\",\"stopReason\":\"rpc\",\"endedAt\":1795276593407}}");

    AgentResult result = assertInstanceOf(AgentResult.class, AgentReply.from(cached, codec));

    assertFalse(result.succeeded());
    assertEquals(AgentResult.STATUS_TIMEOUT, result.status());
    assertEquals("aborted", result.summary());
  }

  @Test
  void severalPayloadTextsJoinWithBlankLines() throws Exception {
    AgentResult result = codec.read(TranscriptFrame.parse("{\"status\":\"ok\",\"result\":"
        + "{\"payloads\":[{\"text\":\"one\"},{\"mediaUrl\":\"x\"},{\"text\":\"two\"}]}}"),
        AgentResult.class);

    assertEquals("one\n\ntwo", result.text());
  }

  @Test
  void agentParamsCarryOnlyTheGivenMembers() {
    JsonNode run = codec.toTree(
        AgentParams.run("Say hello", "main", "agent:main:task-7", "key-1"));
    JsonNode modelCall = codec.toTree(AgentParams.modelCall("Summarise", "key-2"));

    assertEquals("{\"message\":\"Say hello\",\"agentId\":\"main\","
        + "\"sessionKey\":\"agent:main:task-7\",\"idempotencyKey\":\"key-1\"}", run.toString());
    assertEquals(Set.of("message", "idempotencyKey", "promptMode", "modelRun"), keys(modelCall));
    assertEquals("none", modelCall.get("promptMode").asText());
    assertTrue(modelCall.get("modelRun").asBoolean());
  }

  @Test
  void extraSystemPromptIsAddedOnlyWhenSet() {
    JsonNode params = codec.toTree(AgentParams.run("m", null, null, "k")
        .withExtraSystemPrompt("You are a reviewer."));

    assertEquals(Set.of("message", "idempotencyKey", "extraSystemPrompt"), keys(params));
  }

  @Test
  void agentWaitRequestEqualsTheRealOne() {
    AgentWaitParams params = new AgentWaitParams("66a112e9-7905-419e-a8a5-3a0cc2e19096", 30_000L);

    assertEquals(RealFrames.AGENT_WAIT_REQUEST,
        codec.encode(codec.request("r5", GatewayMethods.AGENT_WAIT, params)));
  }

  @Test
  void agentWaitResultOfACompletedRun() throws Exception {
    AgentWaitResult result =
        codec.read(response(RealFrames.AGENT_WAIT_OK).payload(), AgentWaitResult.class);

    assertTrue(result.succeeded());
    assertFalse(result.timedOut());
    assertEquals(1795275812633L, result.endedAt());
    assertTrue(result.replyText().startsWith("MOCK-REPLY #2: "), result.replyText());
  }

  @Test
  void agentWaitResultOfAnAbortedRun() throws Exception {
    AgentWaitResult result =
        codec.read(response(RealFrames.AGENT_WAIT_ABORTED).payload(), AgentWaitResult.class);

    assertFalse(result.succeeded());
    assertEquals(AgentResult.STATUS_ERROR, result.status());
    assertEquals("aborted", result.error());
    assertEquals("rpc", result.stopReason());
    assertNull(result.replyText());
  }

  @Test
  void chatSendRequestEqualsTheRealOneAndItsAckNamesTheRun() throws Exception {
    ChatRequests.SendParams params = new ChatRequests.SendParams("agent:main:main",
        "Say hello to the orchestrator", "66a112e9-7905-419e-a8a5-3a0cc2e19096");

    assertEquals(RealFrames.CHAT_SEND_REQUEST,
        codec.encode(codec.request("r4", GatewayMethods.CHAT_SEND, params)));
    ChatRequests.SendAck ack =
        codec.read(response(RealFrames.CHAT_SEND_ACK).payload(), ChatRequests.SendAck.class);
    assertEquals(new ChatRequests.SendAck(params.idempotencyKey(), "started"), ack);
  }

  @Test
  void chatAbortParamsOmitAMissingRunId() {
    assertEquals("{\"sessionKey\":\"agent:main:main\"}",
        codec.toTree(new ChatRequests.AbortParams("agent:main:main", null)).toString());
  }

  private GatewayFrame.Response response(String text) throws MalformedFrameException {
    return (GatewayFrame.Response) codec.decode(text);
  }
}
