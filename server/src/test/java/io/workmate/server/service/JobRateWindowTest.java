package io.workmate.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.workmate.jobs.JobStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobRateWindowTest {

  private static final Instant NOON = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void countsEachMinuteAndForgetsWhatIsOlderThanAnHour() {
    JobRateWindow window = new JobRateWindow();
    window.finished(JobStatus.SUCCEEDED, NOON.plusSeconds(5));
    window.finished(JobStatus.SUCCEEDED, NOON.plusSeconds(59));
    window.finished(JobStatus.DEAD, NOON.plusSeconds(61));
    window.finished(JobStatus.CANCELLED, NOON.plusSeconds(61));
    window.finished(JobStatus.RUNNING, NOON.plusSeconds(61)); // not a finish: not counted

    List<JobRateWindow.Bucket> now = window.buckets(NOON.plusSeconds(90));
    assertEquals(60, now.size());
    assertEquals(new JobRateWindow.Bucket(NOON, 2, 0, 0), now.get(58));
    assertEquals(new JobRateWindow.Bucket(NOON.plusSeconds(60), 0, 1, 1), now.get(59));
    assertEquals(NOON.minusSeconds(58 * 60), now.get(0).start());

    // 59 minutes on, noon's minute is the oldest bucket; one more and it is gone
    assertEquals(2, window.buckets(NOON.plusSeconds(59 * 60)).get(0).succeeded());
    List<JobRateWindow.Bucket> later = window.buckets(NOON.plusSeconds(60 * 60));
    assertEquals(0, later.stream().mapToLong(JobRateWindow.Bucket::succeeded).sum());
    assertEquals(1, later.get(0).dead());

    // a slot reused an hour later starts from zero
    window.finished(JobStatus.SUCCEEDED, NOON.plusSeconds(60 * 60 + 1));
    assertEquals(1, window.buckets(NOON.plusSeconds(60 * 60 + 2)).get(59).succeeded());
  }
}
