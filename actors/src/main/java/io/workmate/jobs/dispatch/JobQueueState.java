package io.workmate.jobs.dispatch;

import java.util.List;
import java.util.Set;

/**
 * The answer to {@link JobDispatcher.GetQueue}: what the dispatcher holds in memory.
 *
 * @param queued queued job ids in the order they will start
 * @param running job ids with an attempt in progress
 * @param retrying failed job ids waiting for their {@code retryAt}
 */
public record JobQueueState(List<String> queued, Set<String> running, Set<String> retrying) {}
