package io.workmate.persistence;

/**
 * Marks a class for Jackson CBOR serialization: every event, every state record (snapshots) and
 * every message that may cross nodes implements it. This module's {@code reference.conf} binds
 * it to {@code jackson-cbor}; Java serialization stays disabled, so an object that is persisted
 * without this marker fails loudly instead of being written in a format that cannot evolve.
 *
 * <p>Use records with plain fields; a renamed or removed field needs a Jackson migration
 * ({@code pekko.serialization.jackson.migrations}) because old events are read back forever.
 */
public interface CborSerializable {}
