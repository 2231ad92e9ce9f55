package io.workmate.memory;

import io.workmate.persistence.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One entry of an agent's memory. {@code seq} is per agent and gap-free (1, 2, 3, ...): it is the
 * order of the log, the sync's offset, and what the remote section records it holds.
 */
public record MemoryEntry(long seq, MemoryKind kind, String text, List<String> tags, Instant at)
    implements CborSerializable {

  public MemoryEntry {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** Case-insensitive substring match on the text ({@code null}/blank matches everything). */
  public boolean contains(String query) {
    return query == null || query.isBlank()
        || text.toLowerCase(Locale.ROOT).contains(query.toLowerCase(Locale.ROOT));
  }

  /** Whether the entry carries every tag of {@code wanted}. */
  public boolean hasAllTags(List<String> wanted) {
    return wanted == null || tags.containsAll(wanted);
  }
}
