package io.workmate.memory;

import io.workmate.persistence.CborSerializable;

/** What {@link AgentMemory} journals (tag {@value AgentMemory#TAG}). */
public sealed interface MemoryEvent extends CborSerializable {

  /** An entry was added; its {@code seq} equals the event's sequence number in the journal. */
  record EntryAppended(String agentId, MemoryEntry entry) implements MemoryEvent {}
}
