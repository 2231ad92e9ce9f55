package io.workmate.protocol.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptedReplyTest {

  @Test
  void deltasSplitEvenlyAndRejoinExactly() {
    assertEquals(List.of("ab", "cd", "ef"), ScriptedReply.text("abcdef", 3).deltas());
    assertEquals(List.of("a", "b"), ScriptedReply.text("ab", 5).deltas(), "never empty deltas");
    assertEquals(List.of(), ScriptedReply.text("", 4).deltas());
  }

  @Test
  void deltasNeverSplitASurrogatePair() {
    String text = "\uD83D\uDE00\uD83D\uDE01\uD83D\uDE02";
    List<String> deltas = ScriptedReply.text(text, 3).deltas();
    assertEquals(List.of("\uD83D\uDE00", "\uD83D\uDE01", "\uD83D\uDE02"), deltas);
  }

  @Test
  void editPatchTextIsAnUpdateHunk() {
    assertEquals("*** Begin Patch\n*** Update File: a/b.txt\n@@\n-old\n+new\n+more\n"
        + "*** End Patch\n", ScriptedReply.editFile("a/b.txt", "old", "new\nmore").patchText());
  }

  @Test
  void patchTextPrefixesEveryLine() {
    assertEquals(
        "*** Begin Patch\n*** Add File: a/b.txt\n+one\n+two\n*** End Patch\n",
        ScriptedReply.applyPatch("a/b.txt", "one\ntwo\n").patchText());
    assertEquals(
        "*** Begin Patch\n*** Add File: e.txt\n+\n*** End Patch\n",
        ScriptedReply.applyPatch("e.txt", "").patchText());
  }

  @Test
  void invalidRepliesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ScriptedReply.text("x", 0));
    assertThrows(IllegalArgumentException.class, () -> ScriptedReply.httpError(200, "ok"));
    assertThrows(IllegalArgumentException.class, () -> ScriptedReply.exec(" "));
    assertThrows(IllegalArgumentException.class, () -> new ScriptedReply.Text("x", 1, -5));
  }

  @Test
  void withDelayKeepsEverythingElse() {
    assertEquals(new ScriptedReply.Text("t", 2, 9), ScriptedReply.text("t", 2).withDelay(9));
    assertEquals(ScriptedReply.stall(), ScriptedReply.stall().withDelay(9));
  }
}
