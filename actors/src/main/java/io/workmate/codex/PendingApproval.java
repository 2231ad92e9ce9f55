package io.workmate.codex;

import java.time.Instant;

/**
 * An approval request codex is waiting on.
 *
 * @param id Workmate's id for it, unique across threads and processes (used by reviewers)
 * @param kind {@code command} or {@code fileChange}
 * @param summary what would happen: the command line, or which files change
 */
public record PendingApproval(String id, String threadId, String turnId, String kind,
    String method, String summary, String cwd, String reason, Instant requestedAt,
    Instant deadline) {}
