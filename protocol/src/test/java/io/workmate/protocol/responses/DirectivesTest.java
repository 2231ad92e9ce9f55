package io.workmate.protocol.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The directive language, without HTTP. */
class DirectivesTest {

  @Test
  void replyTextMaySpanSpacesAndBrackets() {
    assertEquals(ScriptedReply.text("a [b] c"), replyTo("[[reply:a [b] c]] tail"));
  }

  @Test
  void emptyReplyIsAllowed() {
    assertEquals(ScriptedReply.text(""), replyTo("[[reply:]]"));
  }

  @Test
  void modifiersCombineWithAnyAction() {
    assertEquals(new ScriptedReply.Text("hi", 2, 150), replyTo("[[delay:150]][[chunks:2]][[reply:hi]]"));
    assertEquals(new ScriptedReply.ExecCommand("ls -la", 30), replyTo("[[exec:ls -la]] [[delay:30]]"));
    assertEquals(
        new ScriptedReply.ApplyPatch("x.txt", "1\n2", 5), replyTo("[[patch:x.txt:1\\n2]][[delay:5]]"));
  }

  @Test
  void chunksModifierAppliesToTheDefaultGreetingToo() {
    ScriptedReply reply = replyTo("hi there [[chunks:7]]");
    assertEquals(new ScriptedReply.Text(Directives.GREETING + "hi there", 7, 0), reply);
  }

  @Test
  void errorDirectivesMapToTheirReplies() {
    assertEquals(ScriptedReply.httpError(503, "scripted HTTP 503"), replyTo("[[http:503]]"));
    assertEquals(ScriptedReply.failed("nope"), replyTo("[[fail:nope]]"));
    assertEquals(ScriptedReply.failed("scripted failure"), replyTo("[[fail]]"));
    assertEquals(ScriptedReply.stall(), replyTo("[[stall]]"));
  }

  @Test
  void firstActionWinsAndUnknownTokensAreIgnored() {
    assertEquals(ScriptedReply.text("first"), replyTo("[[mode:text]] [[reply:first]] [[exec:ls]]"));
  }

  @Test
  void badValuesBecomeAnExplanatoryText() {
    for (String prompt : new String[] {"[[http:200]]", "[[delay:-1]]", "[[chunks:x]]", "[[exec:]]",
        "[[patch:nocolon]]"}) {
      ScriptedReply reply = replyTo(prompt);
      ScriptedReply.Text text = assertInstanceOf(ScriptedReply.Text.class, reply, prompt);
      assertTrue(text.text().startsWith("Scripted model: bad directive"), text.text());
    }
  }

  @Test
  void toolFollowUpIgnoresTheActionButKeepsModifiers() {
    RecordedRequest request =
        request(
            RequestBodies.conversation()
                .user("[[exec:date]] [[delay:40]]")
                .functionCall("call_1", "date")
                .functionCallOutput("call_1", "Mon"));
    assertEquals(
        new ScriptedReply.Text(Directives.TOOL_FINISHED + "Mon", ScriptedReply.DEFAULT_CHUNKS, 40),
        Directives.replyFor(request));
  }

  @Test
  void echoIsTruncatedByCodePoints() {
    String emoji = "\uD83D\uDE00";
    assertEquals(emoji.repeat(2), Directives.truncate(emoji.repeat(5), 2));
    assertEquals("short", Directives.truncate("short", 200));
  }

  @Test
  void stripDirectivesRemovesEveryToken() {
    assertEquals("do it now", Directives.stripDirectives("[[delay:5]] do it now [[unknown]]"));
  }

  private static ScriptedReply replyTo(String prompt) {
    return Directives.replyFor(request(RequestBodies.conversation().user(prompt)));
  }

  static RecordedRequest request(RequestBodies body) {
    return new RecordedRequest(ScriptedProvider.RESPONSES_PATH, Map.of(), body.node());
  }
}
