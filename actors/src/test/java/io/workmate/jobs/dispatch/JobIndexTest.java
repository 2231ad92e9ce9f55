package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobIndexTest {

  private static final Instant AT = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void anAgentFilterPagesThroughThatAgentsJobsOnly() {
    JobIndex index = new JobIndex();
    for (int i = 0; i < 10; i++) {
      index.put(new JobSummary("job-" + i, i % 3 == 0 ? JobStatus.SUCCEEDED : JobStatus.QUEUED,
          0, i % 2 == 0 ? "echo" : "codex", 0, null, AT.plusSeconds(i), AT.plusSeconds(i)));
    }

    JobIndex.Page first = index.page(null, "echo", 2, null);
    JobIndex.Page second = index.page(null, "echo", 2, first.next());
    JobIndex.Page third = index.page(null, "echo", 2, second.next());

    assertEquals(List.of("job-0", "job-2"), ids(first));
    assertEquals(List.of("job-4", "job-6"), ids(second));
    assertEquals(List.of("job-8"), ids(third));
    assertNull(third.next());
    assertEquals(List.of("job-0", "job-6"),
        ids(index.page(JobStatus.SUCCEEDED, "echo", 10, null)));
    assertEquals(List.of("job-1", "job-5", "job-7"),
        ids(index.pageFrom(JobStatus.QUEUED, "codex", 10, null)));
    assertEquals(List.of(), ids(index.page(null, "nobody", 10, null)));
  }

  private static List<String> ids(JobIndex.Page page) {
    return page.jobs().stream().map(JobSummary::id).toList();
  }
}
