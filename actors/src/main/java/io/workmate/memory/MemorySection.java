package io.workmate.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a remote {@code MEMORY.md} that one Workmate agent owns, as pure functions (no I/O),
 * so the rebase rules are unit-testable:
 *
 * <pre>
 * &lt;!-- workmate:begin agent=AGENT seq=N --&gt;
 * ## Workmate memory: AGENT
 * - #1 [note] first line of the text
 *   further lines, indented
 *   tags: a, b
 * - #2 [fact] ...
 * &lt;!-- workmate:end agent=AGENT --&gt;
 * </pre>
 *
 * {@code seq=N} is the last entry the file holds: the truth after a lost acknowledgement.
 * {@link #merge} appends only entries above it and leaves every byte outside the section (and the
 * section's existing lines) as they were, so edits by others survive and a replay never
 * duplicates.
 */
public final class MemorySection {

  private static final Pattern BEGIN = Pattern.compile(
      "<!-- workmate:begin agent=([A-Za-z0-9_.@-]+) seq=(\\d+) -->");
  private static final Pattern ENTRY_LINE = Pattern.compile("^- #(\\d+) \\[", Pattern.MULTILINE);

  private MemorySection() {}

  /** Where an agent's section sits in a file, and the seq its marker records. */
  public record Located(int start, int end, long seq) {}

  /** The outcome of {@link #merge}. */
  public sealed interface Merge {

    /** Write {@code content}; the section then holds up to {@code seq}. */
    record Updated(String content, long seq) implements Merge {}

    /** Every entry offered is in the file already (a lost ack): nothing to write. */
    record AlreadyHeld(long seq) implements Merge {}

    /**
     * The file holds less than the entries offered start from (its section was cut or removed):
     * resend from {@code heldSeq + 1}.
     */
    record Gap(long heldSeq) implements Merge {}
  }

  public static String beginMarker(String agentId, long seq) {
    return "<!-- workmate:begin agent=" + agentId + " seq=" + seq + " -->";
  }

  public static String endMarker(String agentId) {
    return "<!-- workmate:end agent=" + agentId + " -->";
  }

  /** The section of {@code agentId} in {@code content}; null when there is none (or it is torn). */
  public static Located locate(String content, String agentId) {
    Matcher begin = BEGIN.matcher(content);
    while (begin.find()) {
      if (!begin.group(1).equals(agentId)) {
        continue;
      }
      String end = endMarker(agentId);
      int endAt = content.indexOf(end, begin.end());
      if (endAt < 0) {
        return null; // torn: someone removed our end marker; treated as absent
      }
      return new Located(begin.start(), endAt + end.length(), Long.parseLong(begin.group(2)));
    }
    return null;
  }

  /** The seq the file holds for {@code agentId}: 0 when it has no section. */
  public static long heldSeq(String content, String agentId) {
    Located located = locate(content == null ? "" : content, agentId);
    return located == null ? 0 : located.seq();
  }

  /**
   * {@code entries} (ascending, consecutive seqs) merged into {@code content} (null = no file):
   * those at or below the held seq are skipped; the rest are appended at the end of the section,
   * which is created at the end of the file if missing; the marker's seq is raised.
   */
  public static Merge merge(String content, String agentId, List<MemoryEntry> entries) {
    Objects.requireNonNull(agentId, "agentId");
    String file = content == null ? "" : content;
    Located located = locate(file, agentId);
    long held = located == null ? 0 : located.seq();
    List<MemoryEntry> fresh = new ArrayList<>(entries.size());
    for (MemoryEntry entry : entries) {
      if (entry.seq() > held) {
        fresh.add(entry);
      }
    }
    if (fresh.isEmpty()) {
      return new Merge.AlreadyHeld(held);
    }
    if (fresh.get(0).seq() != held + 1) {
      return new Merge.Gap(held);
    }
    long newSeq = fresh.get(fresh.size() - 1).seq();
    StringBuilder rendered = new StringBuilder(fresh.size() * 96);
    for (MemoryEntry entry : fresh) {
      render(entry, rendered);
    }
    StringBuilder out = new StringBuilder(file.length() + rendered.length() + 256);
    if (located == null) {
      out.append(file);
      if (!file.isEmpty() && !file.endsWith("\n")) {
        out.append('\n');
      }
      if (!file.isEmpty()) {
        out.append('\n');
      }
      out.append(beginMarker(agentId, newSeq)).append('\n')
          .append("## Workmate memory: ").append(agentId).append('\n')
          .append(rendered)
          .append(endMarker(agentId)).append('\n');
    } else {
      String old = file.substring(located.start(), located.end());
      String oldBegin = beginMarker(agentId, located.seq());
      String body = old.substring(oldBegin.length(), old.length() - endMarker(agentId).length());
      out.append(file, 0, located.start())
          .append(beginMarker(agentId, newSeq))
          .append(body);
      if (!body.endsWith("\n")) {
        out.append('\n');
      }
      out.append(rendered)
          .append(endMarker(agentId))
          .append(file, located.end(), file.length());
    }
    return new Merge.Updated(out.toString(), newSeq);
  }

  /** One entry as markdown; a text line cannot fake a marker or another entry. */
  static void render(MemoryEntry entry, StringBuilder out) {
    String[] lines = escape(entry.text()).strip().split("\r?\n", -1);
    out.append("- #").append(entry.seq()).append(" [").append(entry.kind().wire()).append("] ")
        .append(lines[0]).append('\n');
    for (int i = 1; i < lines.length; i++) {
      out.append("  ").append(lines[i]).append('\n');
    }
    if (!entry.tags().isEmpty()) {
      out.append("  tags: ").append(String.join(", ", entry.tags())).append('\n');
    }
  }

  /** {@code <!--} would let text open a comment or forge a marker; it is written as an entity. */
  static String escape(String text) {
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;");
  }

  /** The seqs of the entry lines inside {@code agentId}'s section, in file order (for checks). */
  public static List<Long> entrySeqs(String content, String agentId) {
    Located located = locate(content == null ? "" : content, agentId);
    List<Long> seqs = new ArrayList<>();
    if (located == null) {
      return seqs;
    }
    Matcher line = ENTRY_LINE.matcher(content.substring(located.start(), located.end()));
    while (line.find()) {
      seqs.add(Long.parseLong(line.group(1)));
    }
    return seqs;
  }
}
