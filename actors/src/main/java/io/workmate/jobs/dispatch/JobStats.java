package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobStatus;
import io.workmate.persistence.CborSerializable;
import java.util.Map;

/**
 * The answer to {@link JobDispatcher.GetStats}: counts for metrics and health.
 *
 * @param byStatus jobs known in each status (every status present, zero included)
 * @param queuedByPriority queued jobs per priority
 * @param runningByAgent attempts in progress per agent
 * @param recovering whether the queue is still being rebuilt from the journal
 * @param draining whether it stopped admitting and starting jobs ({@link JobDispatcher.Drain})
 */
public record JobStats(Map<JobStatus, Long> byStatus, Map<Integer, Integer> queuedByPriority,
    Map<String, Integer> runningByAgent, boolean recovering, boolean draining)
    implements CborSerializable {

  /** Attempts in progress on all agents. */
  public int running() {
    return runningByAgent.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Jobs waiting in the queue, all priorities. */
  public int queued() {
    return queuedByPriority.values().stream().mapToInt(Integer::intValue).sum();
  }
}
