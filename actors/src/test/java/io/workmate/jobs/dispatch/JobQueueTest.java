package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.jobs.JobSpec;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobQueueTest {

  private static final JobQueue.Route CODEX = new JobQueue.Route("codex", Set.of());
  private static final JobQueue.Route ECHO = new JobQueue.Route(null, Set.of("echo"));

  @Test
  void jobsStartHighestPriorityFirstThenInSubmissionOrderAcrossRoutes() {
    JobQueue queue = new JobQueue();
    queue.add(new JobQueue.Entry("a", 0, 1, CODEX));
    queue.add(new JobQueue.Entry("b", 5, 2, ECHO));
    queue.add(new JobQueue.Entry("c", 0, 0, ECHO));
    queue.add(new JobQueue.Entry("d", 5, 3, CODEX));

    assertEquals(List.of("b", "d", "c", "a"), queue.inStartOrder());
    assertEquals(List.of("b", "d"), queue.heads().stream().map(JobQueue.Entry::jobId).toList(),
        "one head per route, the better one first");
    assertEquals(4, queue.size());
  }

  @Test
  void removingAHeadMakesTheNextOfItsRouteTheHead() {
    JobQueue queue = new JobQueue();
    queue.add(new JobQueue.Entry("a", 0, 1, ECHO));
    queue.add(new JobQueue.Entry("b", 0, 2, ECHO));

    assertEquals("a", queue.remove("a").jobId());
    assertEquals(List.of("b"), queue.heads().stream().map(JobQueue.Entry::jobId).toList());
    assertNull(queue.remove("a"), "already out");
    queue.remove("b");
    assertTrue(queue.isEmpty());
    assertEquals(List.of(), queue.heads(), "an emptied route leaves no head behind");
  }

  @Test
  void aJobIsQueuedOnceAndRoutesCompareCapabilitiesAsSets() {
    JobQueue queue = new JobQueue();
    assertTrue(queue.add(new JobQueue.Entry("a", 0, 1, CODEX)));
    assertFalse(queue.add(new JobQueue.Entry("a", 9, 2, ECHO)), "a job is queued once");

    JobSpec spec = JobSpec.of("p", Instant.EPOCH).withCapabilities(List.of("java", "rust"));
    JobSpec reordered = JobSpec.of("p", Instant.EPOCH).withCapabilities(List.of("rust", "java"));
    assertEquals(JobQueue.Route.of(spec), JobQueue.Route.of(reordered));
    queue.add(new JobQueue.Entry("b", 0, 2, JobQueue.Route.of(spec)));
    queue.add(new JobQueue.Entry("c", 0, 3, JobQueue.Route.of(reordered)));
    assertEquals(2, queue.heads().size(), "b and c share a route");
  }
}
