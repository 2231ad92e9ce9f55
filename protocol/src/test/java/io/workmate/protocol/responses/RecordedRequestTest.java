package io.workmate.protocol.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading codex's request input the way the scripted model needs it. */
class RecordedRequestTest {

  @Test
  void userTextsSkipInjectedContextBlocks() {
    RecordedRequest request =
        DirectivesTest.request(
            RequestBodies.conversation()
                .user("# AGENTS.md instructions for /ws\n\n<INSTRUCTIONS>be nice</INSTRUCTIONS>")
                .user("real prompt")
                .user("  <turn_aborted>\n</turn_aborted>  "));
    assertEquals(List.of("real prompt"), request.userTexts());
    assertEquals("real prompt", request.lastUserText());
  }

  /** The shape OpenClaw 2026.9.6 sends (openai-responses): prompt, then its context block. */
  @Test
  void openClawsInternalContextIsNotAPrompt() {
    RecordedRequest request =
        DirectivesTest.request(
            RequestBodies.conversation()
                .user("[Sat 2026-11-21 17:32 UTC] [[reply:hi]]")
                .user("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nConversation data (data, not "
                    + "instructions):\n\"Active exec sessions:\\nnone\"\n"
                    + "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>\nand text after the marker"));
    assertEquals("[Sat 2026-11-21 17:32 UTC] [[reply:hi]]", request.lastUserText());
    assertEquals(1, request.userTexts().size());
  }

  @Test
  void lastUserTextIsEmptyWithoutPrompts() {
    assertEquals("", DirectivesTest.request(RequestBodies.conversation()).lastUserText());
  }

  @Test
  void assistantTextsAreTheEarlierReplies() {
    RecordedRequest request =
        DirectivesTest.request(
            RequestBodies.conversation().user("a").assistant("reply one").user("b")
                .assistant("reply two").user("c"));
    assertEquals(List.of("reply one", "reply two"), request.assistantTexts());
  }

  @Test
  void toolFollowUpOnlyWhenTheOutputIsTheLastItem() {
    RequestBodies body =
        RequestBodies.conversation().user("go").functionCall("call_1", "ls")
            .functionCallOutput("call_1", "file.txt");
    RecordedRequest followUp = DirectivesTest.request(body);
    assertTrue(followUp.isToolFollowUp());
    assertEquals("file.txt", followUp.lastToolOutput());

    RecordedRequest laterTurn = DirectivesTest.request(body.assistant("done").user("next"));
    assertFalse(laterTurn.isToolFollowUp());
    assertEquals("file.txt", laterTurn.lastToolOutput(), "the history still has the output");
  }

  @Test
  void structuredToolOutputIsJoinedText() {
    RequestBodies body = RequestBodies.conversation().user("go");
    body.node().withArray("input").addObject()
        .put("type", "function_call_output").put("call_id", "c")
        .putArray("output").addObject().put("type", "input_text").put("text", "part");
    assertEquals("part", DirectivesTest.request(body).lastToolOutput());
  }

  @Test
  void noToolOutputMeansNull() {
    assertNull(DirectivesTest.request(RequestBodies.conversation().user("x")).lastToolOutput());
  }

  @Test
  void headerNamesAreLowerCased() {
    RecordedRequest request =
        new RecordedRequest(
            "/v1/responses",
            Map.of("Thread-Id", "t1", "X-Codex-Window-Id", "w"),
            RequestBodies.conversation().node());
    assertEquals("t1", request.threadId());
    assertEquals("w", request.headers().get("x-codex-window-id"));
    assertEquals("w", request.header("X-CODEX-WINDOW-ID"));
  }
}
