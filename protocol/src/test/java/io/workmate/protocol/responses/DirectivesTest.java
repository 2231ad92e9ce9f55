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

  @Test
  void editDirectiveReplacesOneLine() {
    assertEquals(ScriptedReply.editFile("src/a.txt", "old line", "new\nlines"),
        replyTo("[[edit:src/a.txt:old line=>new\\nlines]]"));
    for (String bad : new String[] {"[[edit:a.txt]]", "[[edit:a.txt:no arrow]]",
        "[[edit:a.txt:=>empty old line]]"}) {
      ScriptedReply.Text text = assertInstanceOf(ScriptedReply.Text.class, replyTo(bad), bad);
      assertTrue(text.text().startsWith("Scripted model: bad directive"), text.text());
    }
  }

  @Test
  void failFirstFailsOnlyTheFirstThreadsToolFollowUp() {
    FirstAttempts attempts = new FirstAttempts();
    String prompt = "[[patch:done.txt:ok]] [[fail_first:job-1]]";
    RequestBodies start = RequestBodies.conversation().user(prompt);
    RequestBodies followUp = RequestBodies.conversation().user(prompt)
        .customToolCall("call_1", "patch").customToolCallOutput("call_1", "Done!");
    // attempt 1 (thread t1): the tool call runs, then its result is answered with a failure
    assertEquals(ScriptedReply.applyPatch("done.txt", "ok"),
        Directives.replyFor(request(start, "t1"), attempts));
    assertEquals(ScriptedReply.failed("scripted failure of the first attempt (job-1)"),
        Directives.replyFor(request(followUp, "t1"), attempts));
    // attempt 2 (thread t2), whichever comes later: as if the directive were not there
    assertEquals(ScriptedReply.applyPatch("done.txt", "ok"),
        Directives.replyFor(request(start, "t2"), attempts));
    assertEquals(ScriptedReply.text(Directives.TOOL_FINISHED + "Done!"),
        Directives.replyFor(request(followUp, "t2"), attempts));
    // the first thread stays the first attempt, even asked again later
    assertInstanceOf(ScriptedReply.Failed.class,
        Directives.replyFor(request(followUp, "t1"), attempts));
  }

  @Test
  void failFirstWithAPathLeavesThatFileInsteadAndTokensAreIndependent() {
    FirstAttempts attempts = new FirstAttempts();
    String prompt = "[[patch:done.txt:ok]] [[fail_first:job-2:half.txt]]";
    assertEquals(ScriptedReply.applyPatch("half.txt", "left by the first attempt of job-2"),
        Directives.replyFor(request(RequestBodies.conversation().user(prompt), "t1"), attempts));
    assertEquals(ScriptedReply.applyPatch("done.txt", "ok"),
        Directives.replyFor(request(RequestBodies.conversation().user(prompt), "t2"), attempts));
    // a text reply fails at once on the first attempt of another token, by the same thread
    assertInstanceOf(ScriptedReply.Failed.class, Directives.replyFor(
        request(RequestBodies.conversation().user("[[reply:hi]] [[fail_first:job-3]]"), "t1"),
        attempts));
    assertEquals(ScriptedReply.text("hi"), Directives.replyFor(
        request(RequestBodies.conversation().user("[[reply:hi]] [[fail_first:job-3]]"), "t9"),
        attempts));
  }

  private static RecordedRequest request(RequestBodies body, String threadId) {
    return new RecordedRequest(ScriptedProvider.RESPONSES_PATH, Map.of("thread-id", threadId),
        body.node());
  }

  private static ScriptedReply replyTo(String prompt) {
    return Directives.replyFor(request(RequestBodies.conversation().user(prompt)));
  }

  static RecordedRequest request(RequestBodies body) {
    return new RecordedRequest(ScriptedProvider.RESPONSES_PATH, Map.of(), body.node());
  }
}
