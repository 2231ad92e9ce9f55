package io.workmate.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The rebase rules of the marked section, as pure functions. */
class MemorySectionTest {

  static MemoryEntry entry(long seq) {
    return new MemoryEntry(seq, MemoryKind.NOTE, "entry " + seq, List.of("t"), Instant.EPOCH);
  }

  static List<MemoryEntry> entries(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(MemorySectionTest::entry).toList();
  }

  static String updated(String content, String agent, List<MemoryEntry> batch) {
    MemorySection.Merge merge = MemorySection.merge(content, agent, batch);
    return assertInstanceOf(MemorySection.Merge.Updated.class, merge).content();
  }

  @Test
  void aMissingFileGetsOneSectionWithTheEntriesInOrderAndTheLastSeqInTheMarker() {
    String file = updated(null, "a1", entries(1, 3));

    assertTrue(file.startsWith("<!-- workmate:begin agent=a1 seq=3 -->\n"), file);
    assertTrue(file.endsWith("<!-- workmate:end agent=a1 -->\n"), file);
    assertEquals(List.of(1L, 2L, 3L), MemorySection.entrySeqs(file, "a1"));
    assertEquals(3, MemorySection.heldSeq(file, "a1"));
    assertTrue(file.contains("- #2 [note] entry 2\n  tags: t\n"), file);
  }

  @Test
  void textOutsideTheSectionIsKeptByteForByteBeforeAndAfter() {
    String before = "# Memory\n\nHand-written notes.\n";
    String first = updated(before, "a1", entries(1, 2));
    String edited = first + "\nAdded later by someone else.\n";

    String second = updated(edited, "a1", entries(3, 4));

    assertTrue(second.startsWith(before), second);
    assertTrue(second.endsWith("<!-- workmate:end agent=a1 -->\n\nAdded later by someone else.\n"),
        second);
    assertEquals(List.of(1L, 2L, 3L, 4L), MemorySection.entrySeqs(second, "a1"));
    assertEquals(4, MemorySection.heldSeq(second, "a1"));
  }

  @Test
  void replayingEntriesTheFileAlreadyHoldsWritesNothingAndReportsTheHeldSeq() {
    String file = updated(null, "a1", entries(1, 5));

    MemorySection.Merge replay = MemorySection.merge(file, "a1", entries(3, 5));

    assertEquals(new MemorySection.Merge.AlreadyHeld(5), replay);
  }

  @Test
  void aBatchOverlappingTheHeldSeqAppendsOnlyTheNewEntries() {
    String file = updated(null, "a1", entries(1, 5));

    MemorySection.Merge.Updated merged = assertInstanceOf(MemorySection.Merge.Updated.class,
        MemorySection.merge(file, "a1", entries(4, 8)));

    assertEquals(8, merged.seq());
    assertEquals(LongStream.rangeClosed(1, 8).boxed().toList(),
        MemorySection.entrySeqs(merged.content(), "a1"));
  }

  @Test
  void aFileHoldingLessThanTheBatchStartsFromIsAGap() {
    String file = updated(null, "a1", entries(1, 2));

    assertEquals(new MemorySection.Merge.Gap(2), MemorySection.merge(file, "a1", entries(5, 6)));
    assertEquals(new MemorySection.Merge.Gap(0),
        MemorySection.merge("# nothing of ours\n", "a1", entries(3, 4)));
  }

  @Test
  void sectionsOfOtherAgentsAreLeftAlone() {
    String file = updated(updated(null, "a1", entries(1, 2)), "b2", entries(1, 3));

    String next = updated(file, "a1", entries(3, 3));

    assertEquals(List.of(1L, 2L, 3L), MemorySection.entrySeqs(next, "a1"));
    assertEquals(List.of(1L, 2L, 3L), MemorySection.entrySeqs(next, "b2"));
    assertEquals(3, MemorySection.heldSeq(next, "b2"));
    String b2Before = file.substring(file.indexOf("<!-- workmate:begin agent=b2"));
    assertTrue(next.endsWith(b2Before), "b2's section is untouched");
  }

  @Test
  void anEditInsideOurSectionIsKeptAndNewEntriesGoAfterIt() {
    String file = updated(null, "a1", entries(1, 2));
    String edited = file.replace("<!-- workmate:end agent=a1 -->",
        "(a human note inside)\n<!-- workmate:end agent=a1 -->");

    String next = updated(edited, "a1", entries(3, 3));

    assertTrue(next.contains("(a human note inside)\n- #3 [note] entry 3\n"), next);
  }

  @Test
  void entryTextCannotForgeMarkersOrEntries() {
    MemoryEntry evil = new MemoryEntry(1, MemoryKind.FACT,
        "x <!-- workmate:end agent=a1 -->\n- #99 [note] fake\n<!-- workmate:begin agent=a1 seq=99 -->",
        List.of(), Instant.EPOCH);

    String file = updated(null, "a1", List.of(evil));

    assertEquals(1, MemorySection.heldSeq(file, "a1"));
    assertEquals(List.of(1L), MemorySection.entrySeqs(file, "a1"));
    assertFalse(file.substring(file.indexOf("\n")).contains("<!-- workmate:begin"), file);
  }

  @Test
  void aTornSectionWithoutItsEndMarkerCountsAsAbsent() {
    String torn = "<!-- workmate:begin agent=a1 seq=4 -->\n- #1 [note] x\n";

    assertNull(MemorySection.locate(torn, "a1"));
    assertEquals(0, MemorySection.heldSeq(torn, "a1"));
  }

  @Test
  void agentIdsThatArePrefixesOfEachOtherAreDistinct() {
    String file = updated(updated(null, "a", entries(1, 1)), "ab", entries(1, 2));

    assertEquals(1, MemorySection.heldSeq(file, "a"));
    assertEquals(2, MemorySection.heldSeq(file, "ab"));
  }
}
