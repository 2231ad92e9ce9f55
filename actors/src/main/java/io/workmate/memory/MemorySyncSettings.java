package io.workmate.memory;

import io.workmate.support.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How memory reaches the gateway. {@code targets} maps a Workmate agent id to the OpenClaw agent
 * whose {@code fileName} receives its section; agents not in the map go to {@code defaultTarget}
 * (OpenClaw's default agent is {@code main}). A batch is what one {@code agents.files.set}
 * carries: up to {@code maxBatchBytes} of entry text, or whatever arrived within
 * {@code batchWindow}. {@code conflictRetries} compare-and-set conflicts in a row are retried at
 * once (re-read, rebase); after that the sync backs off like after any other error.
 */
public record MemorySyncSettings(Map<String, String> targets, String defaultTarget,
    String fileName, long maxBatchBytes, Duration batchWindow, Backoff backoff,
    Duration callTimeout, int conflictRetries) {

  public static final String DEFAULT_TARGET = "main";
  public static final String MEMORY_FILE = "MEMORY.md";

  public MemorySyncSettings {
    targets = Map.copyOf(Objects.requireNonNull(targets, "targets"));
    Objects.requireNonNull(defaultTarget, "defaultTarget");
    Objects.requireNonNull(fileName, "fileName");
    if (maxBatchBytes < 1024) {
      throw new IllegalArgumentException("maxBatchBytes must be at least 1024");
    }
  }

  public static MemorySyncSettings defaults() {
    return new MemorySyncSettings(Map.of(), DEFAULT_TARGET, MEMORY_FILE, 512 * 1024,
        Duration.ofMillis(50), new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0,
            0.2), Duration.ofSeconds(20), 5);
  }

  public MemorySyncSettings withTargets(Map<String, String> targets, String defaultTarget) {
    return new MemorySyncSettings(targets, defaultTarget, fileName, maxBatchBytes, batchWindow,
        backoff, callTimeout, conflictRetries);
  }

  public MemorySyncSettings withBackoff(Backoff backoff) {
    return new MemorySyncSettings(targets, defaultTarget, fileName, maxBatchBytes, batchWindow,
        backoff, callTimeout, conflictRetries);
  }

  public MemorySyncSettings withMaxBatchBytes(long maxBatchBytes) {
    return new MemorySyncSettings(targets, defaultTarget, fileName, maxBatchBytes, batchWindow,
        backoff, callTimeout, conflictRetries);
  }

  public MemorySyncSettings withCallTimeout(Duration callTimeout) {
    return new MemorySyncSettings(targets, defaultTarget, fileName, maxBatchBytes, batchWindow,
        backoff, callTimeout, conflictRetries);
  }

  /** The OpenClaw agent that receives {@code workmateAgentId}'s memory. */
  public String target(String workmateAgentId) {
    return targets.getOrDefault(workmateAgentId, defaultTarget);
  }
}
