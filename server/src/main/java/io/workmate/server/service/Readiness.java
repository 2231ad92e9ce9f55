package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import java.util.Optional;

/**
 * The one readiness rule, shared by {@code /v1/ready} and systemd's {@code READY=1}: the job
 * dispatcher answers and has rebuilt its queue, the journal answers, and the service is not
 * draining to stop (a load balancer should stop sending then).
 */
public final class Readiness {

  private Readiness() {}

  /**
   * Why the service is not ready, or empty when it is.
   *
   * @param stats the dispatcher's answer, null when it did not answer
   */
  public static Optional<String> notReadyReason(JobDispatcher.Stats stats,
      JournalHealth.State journal, boolean draining) {
    if (draining || (stats != null && stats.draining())) {
      return Optional.of("draining: the service is stopping");
    }
    if (stats == null) {
      return Optional.of("the job dispatcher does not answer");
    }
    if (stats.recovering()) {
      return Optional.of("recovering the job queue from the journal");
    }
    if (!journal.ok()) {
      return Optional.of("the journal does not answer: " + journal.detail());
    }
    return Optional.empty();
  }
}
