package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobIdsTest {

  private static final String ID_SHAPE = "job-[0-9a-f]{32}";

  @Test
  void theSameIdempotencyKeyAlwaysGivesTheSameId() {
    String id = JobIds.forIdempotencyKey("order-42");

    assertEquals(id, JobIds.forIdempotencyKey("order-42"));
    // SHA-256("order-42") starts with these digits (computed independently with sha256sum).
    assertEquals("job-3bf8b157c4238eefe5ae4a66eca81c6b", id);
    assertTrue(id.matches(ID_SHAPE), id);
    assertNotEquals(id, JobIds.forIdempotencyKey("order-43"));
  }

  @Test
  void randomIdsHaveTheSameShapeAndDiffer() {
    String one = JobIds.random();
    String other = JobIds.random();

    assertTrue(one.matches(ID_SHAPE), one);
    assertNotEquals(one, other);
  }

  @Test
  void aSpecWithAKeyGetsTheKeysIdAndAnEmptyKeyIsRefused() {
    JobSpec spec = JobSpec.of("hi", Instant.EPOCH).withIdempotencyKey("k-1");

    assertEquals(JobIds.forIdempotencyKey("k-1"), JobIds.forSpec(spec));
    assertTrue(JobIds.forSpec(JobSpec.of("hi", Instant.EPOCH)).matches(ID_SHAPE));
    assertThrows(IllegalArgumentException.class, () -> JobIds.forIdempotencyKey(""));
  }
}
