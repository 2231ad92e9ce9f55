package io.workmate.memory;

import java.time.Instant;

/**
 * Where the sync of one Workmate agent stands. {@code state}: {@code recovering}, {@code offline}
 * (no cloud-memory capability), {@code syncing} (caught up or pushing), {@code backoff} (waiting
 * after an error). {@code lastError} is the latest error seen (kept, with its time, after the sync recovered, so
 * a flaky link shows); null when there was none.
 */
public record SyncStatus(String agentId, String target, String state, long localSeq,
    long syncedSeq, String lastError, Instant lastErrorAt, long writes, long conflicts) {}
