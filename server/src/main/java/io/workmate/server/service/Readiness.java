package io.workmate.server.service;

import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import java.util.Optional;

/**
 * The one readiness rule, shared by {@code /v1/ready} and systemd's {@code READY=1}: the job
 * dispatcher answers and has rebuilt its queue, the journal answers, the service is not
 * draining to stop (a load balancer should stop sending then), and in cluster mode this node
 * is an {@code Up} member.
 */
public final class Readiness {

  private Readiness() {}

  /**
   * Why the service is not ready, or empty when it is; for a node that runs alone.
   *
   * @param stats the dispatcher's answer, null when it did not answer
   */
  public static Optional<String> notReadyReason(JobStats stats,
      JournalHealth.State journal, boolean draining) {
    return notReadyReason(stats, journal, draining, Optional.empty());
  }

  /**
   * Why the service is not ready, or empty when it is.
   *
   * @param stats the dispatcher's answer, null when it did not answer
   * @param notClusterMember in cluster mode, why this node is not an {@code Up} member
   *     ({@link ClusterMembership#notUpReason}); empty when it is, or when it runs alone
   */
  public static Optional<String> notReadyReason(JobStats stats,
      JournalHealth.State journal, boolean draining, Optional<String> notClusterMember) {
    if (draining || (stats != null && stats.draining())) {
      return Optional.of("draining: the service is stopping");
    }
    if (notClusterMember.isPresent()) {
      return notClusterMember;
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
