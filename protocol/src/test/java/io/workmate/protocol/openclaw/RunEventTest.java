package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.protocol.openclaw.RunEvent.Outcome;
import io.workmate.protocol.openclaw.RunEvent.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** chat and agent events as views of one run: progress, text, and how it ended. */
class RunEventTest {

  private static final String CHAT_RUN = "66a112e9-7905-419e-a8a5-3a0cc2e19096";
  private static final String ABORTED_RUN = "978a487e-2bcd-4848-bcde-746e79fd745d";
  private static final String FINAL_TEXT =
      "MOCK-REPLY #2: <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> Conversation data (dat";

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void chatFinalEndsTheRunWithItsText() throws Exception {
    RunEvent event = runEvent(RealFrames.CHAT_FINAL);

    assertEquals(Source.CHAT, event.source());
    assertEquals(CHAT_RUN, event.runId());
    assertEquals("agent:main:main", event.sessionKey());
    assertEquals(RunEvent.STATE_FINAL, event.state());
    assertTrue(event.terminal());
    assertEquals(Outcome.COMPLETED, event.outcome());
    assertEquals(FINAL_TEXT, event.finalText());
    assertEquals("stop", event.stopReason());
    assertEquals(16L, event.runSeq());
  }

  @Test
  void chatDeltaCarriesTheIncrementAndTheTextSoFar() throws Exception {
    RunEvent event = runEvent(RealFrames.CHAT_DELTA);

    assertFalse(event.terminal());
    assertEquals("MOCK-REPLY #", event.deltaText());
    assertEquals("MOCK-REPLY #", event.text());
    assertNull(event.finalText());
  }

  @Test
  void chatStatusCarriesThePhase() throws Exception {
    RunEvent event = runEvent(RealFrames.CHAT_STATUS);

    assertEquals(RunEvent.STATE_STATUS, event.state());
    assertEquals("preparing_workspace", event.phase());
    assertFalse(event.terminal());
  }

  @Test
  void chatErrorFailsTheRunWithItsMessage() throws Exception {
    RunEvent event = runEvent(RealFrames.CHAT_ERROR);

    assertTrue(event.terminal());
    assertEquals(Outcome.FAILED, event.outcome());
    assertEquals("No route-compatible authentication source is configured for openai.",
        event.errorMessage());
  }

  @Test
  void chatAbortedEndsTheRunWithThePartialText() throws Exception {
    RunEvent event = runEvent(RealFrames.CHAT_ABORTED);

    assertEquals(ABORTED_RUN, event.runId());
    assertEquals(Outcome.ABORTED, event.outcome());
    assertEquals("tick00", event.finalText());
    assertEquals("rpc", event.stopReason());
  }

  @Test
  void agentAssistantStreamCarriesDeltaAndText() throws Exception {
    RunEvent event = runEvent(RealFrames.AGENT_ASSISTANT);

    assertEquals(Source.AGENT, event.source());
    assertEquals(RunEvent.STREAM_ASSISTANT, event.stream());
    assertNull(event.state());
    assertEquals("MOCK-REPLY #", event.deltaText());
    assertFalse(event.terminal());
  }

  @Test
  void agentLifecycleEndCompletesTheRunWithTheTerminalReply() throws Exception {
    RunEvent event = runEvent(RealFrames.AGENT_LIFECYCLE_END);

    assertEquals(RunEvent.STREAM_LIFECYCLE, event.stream());
    assertEquals(RunEvent.PHASE_END, event.phase());
    assertEquals(Outcome.COMPLETED, event.outcome());
    assertEquals(FINAL_TEXT, event.finalText());
  }

  @Test
  void agentLifecycleOfAnAbortedRun() throws Exception {
    RunEvent end = runEvent(RealFrames.AGENT_LIFECYCLE_END_ABORTED);
    RunEvent lateModel = runEvent(RealFrames.AGENT_LIFECYCLE_MODEL_AFTER_END);
    RunEvent error = runEvent(RealFrames.AGENT_LIFECYCLE_ERROR_ABORTED);

    assertEquals(Outcome.ABORTED, end.outcome());
    assertFalse(lateModel.terminal(), "phase model is progress, even after the end");
    assertEquals(Outcome.ABORTED, error.outcome(), "the error phase of an abort is an abort");
    assertEquals("This operation was aborted", error.errorMessage());
  }

  @Test
  void agentLifecycleErrorWithoutAbortFailsTheRun() throws Exception {
    RunEvent event = runEvent("{\"type\":\"event\",\"event\":\"agent\",\"payload\":{"
        + "\"runId\":\"r-1\",\"sessionKey\":\"agent:main:main\",\"stream\":\"lifecycle\","
        + "\"data\":{\"phase\":\"error\",\"error\":\"provider returned 500\"},\"seq\":4},"
        + "\"seq\":40}");

    assertEquals(Outcome.FAILED, event.outcome());
    assertEquals("provider returned 500", event.errorMessage());
  }

  @Test
  void otherEventsAreNotRunEvents() throws Exception {
    assertEquals(Optional.empty(), RunEvent.from(event(RealFrames.TICK)));
    assertEquals(Optional.empty(), RunEvent.from(event(RealFrames.CHALLENGE)));
    GatewayFrame.Event sessionsChanged = TranscriptFrame.all().stream()
        .filter(f -> f.json().path("event").asText().equals(GatewayEvents.SESSIONS_CHANGED)
            && f.json().path("payload").has("runId"))
        .map(f -> (GatewayFrame.Event) decodeUnchecked(f.text()))
        .findFirst()
        .orElseThrow();
    assertEquals(Optional.empty(), RunEvent.from(sessionsChanged), "has a runId, is no run event");
  }

  @Test
  void aChatEventWithoutRunIdIsIgnored() throws Exception {
    assertEquals(Optional.empty(), RunEvent.from(event(
        "{\"type\":\"event\",\"event\":\"chat\",\"payload\":{\"state\":\"final\"},\"seq\":1}")));
  }

  @Test
  void theChatMockRunEndsOnceOnEachStreamAndItsDeltasAddUpToTheFinalText() throws Exception {
    List<RunEvent> run = runEventsOf("chat-mock.jsonl", CHAT_RUN);

    List<RunEvent> terminal = run.stream().filter(RunEvent::terminal).toList();
    assertEquals(List.of(Source.AGENT, Source.CHAT),
        terminal.stream().map(RunEvent::source).toList(), "lifecycle end, then chat final");
    assertTrue(terminal.stream().allMatch(e -> e.outcome() == Outcome.COMPLETED));
    String chatDeltas = run.stream()
        .filter(e -> e.source() == Source.CHAT && e.deltaText() != null)
        .map(RunEvent::deltaText)
        .collect(Collectors.joining());
    assertEquals(FINAL_TEXT, chatDeltas);
    assertEquals(FINAL_TEXT, terminal.get(1).finalText());
  }

  @Test
  void theAbortedRunEndsAbortedOnEveryTerminalEvent() throws Exception {
    List<RunEvent> terminal = runEventsOf("abort.jsonl", ABORTED_RUN).stream()
        .filter(RunEvent::terminal)
        .toList();

    // chat aborted, lifecycle end, lifecycle error: callers act on the first only
    assertEquals(3, terminal.size());
    assertTrue(terminal.stream().allMatch(e -> e.outcome() == Outcome.ABORTED));
  }

  private List<RunEvent> runEventsOf(String file, String runId) throws Exception {
    List<RunEvent> events = new ArrayList<>();
    for (TranscriptFrame real : TranscriptFrame.all()) {
      if (real.file().equals(file) && codec.decode(real.text()) instanceof GatewayFrame.Event e) {
        RunEvent.from(e).filter(r -> r.runId().equals(runId)).ifPresent(events::add);
      }
    }
    return events;
  }

  private RunEvent runEvent(String text) throws MalformedFrameException {
    return RunEvent.from(event(text)).orElseThrow();
  }

  private GatewayFrame.Event event(String text) throws MalformedFrameException {
    return (GatewayFrame.Event) codec.decode(text);
  }

  private GatewayFrame decodeUnchecked(String text) {
    try {
      return codec.decode(text);
    } catch (MalformedFrameException e) {
      throw new AssertionError(e);
    }
  }
}
