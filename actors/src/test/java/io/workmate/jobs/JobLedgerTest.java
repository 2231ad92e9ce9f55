package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger's group commit on the persistence testkit's journal, which lets a test see every
 * stored event and fail a write: batches are capped, keep arrival order, writes keep the write
 * interval apart, and a batch the journal refused is answered op by op as not stored.
 */
class JobLedgerTest {

  private static final ActorTestKit testKit = ActorTestKit.create("job-ledger",
      PersistenceTestKitPlugin.getInstance().config().withFallback(ConfigFactory.load()));
  private static final PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private static int ledgers;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void clearJournal() {
    journal.clearAll();
  }

  @Test
  void opsSentAtOnceAreStoredInCappedBatchesInArrivalOrder() {
    String name = "capped-" + ++ledgers;
    ActorRef<JobLedger.Command> ledger = testKit.spawn(JobLedger.create(name, Clock.systemUTC()));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();
    int ops = 2 * JobLedger.MAX_BATCH + 500;
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < ops; i++) {
      String jobId = "job-" + i;
      sent.add(jobId);
      ledger.tell(new JobLedger.Apply(jobId, new JobOp.Submit(spec(i)), i, answers.ref()));
    }

    Map<Long, JobLedger.Answered> byTicket = new HashMap<>();
    for (JobLedger.Answered answered : answers.receiveSeveralMessages(ops, TIMEOUT)) {
      assertNull(byTicket.put(answered.ticket(), answered), "one answer per op");
      assertNull(answered.failure());
      Job job = assertInstanceOf(JobReply.Current.class, answered.reply()).job();
      assertEquals(sent.get((int) answered.ticket()), job.id());
      assertEquals(JobStatus.QUEUED, job.status());
    }
    assertEquals(ops, byTicket.size());

    List<Object> stored =
        journal.persistedInStorage(JobLedgerShard.persistenceId(name, 0).id());
    List<String> storedIds = new ArrayList<>();
    for (Object event : stored) {
      List<JobEvent> batch = assertInstanceOf(JobLedgerShard.Recorded.class, event).events();
      assertTrue(batch.size() <= JobLedger.MAX_BATCH, "a batch of " + batch.size());
      batch.forEach(jobEvent -> storedIds.add(jobEvent.jobId()));
    }
    assertEquals(sent, storedIds, "every submit stored once, in the order it arrived");
    assertTrue(stored.size() >= 3, "more ops than a batch holds take several writes");
  }

  @Test
  void opsArrivingWithinTheWriteIntervalWaitForItToEndAndShareOneWrite() {
    String name = "paced-" + ++ledgers;
    ActorRef<JobLedger.Command> ledger =
        testKit.spawn(JobLedger.create(name, Clock.systemUTC(), 1, Duration.ofSeconds(2)));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();
    // an idle ledger writes an op at once
    ledger.tell(new JobLedger.Apply("job-0", new JobOp.Submit(spec(0)), 0, answers.ref()));
    assertNull(answers.receiveMessage(TIMEOUT).failure());

    // the writer is idle again, but the interval since the last write began has not passed:
    // without it, job-1 would go out alone at once
    for (int i = 1; i <= 3; i++) {
      ledger.tell(new JobLedger.Apply("job-" + i, new JobOp.Submit(spec(i)), i, answers.ref()));
    }
    for (JobLedger.Answered answered : answers.receiveSeveralMessages(3, TIMEOUT)) {
      assertNull(answered.failure());
    }

    List<List<String>> rows = new ArrayList<>();
    for (Object event : journal.persistedInStorage(JobLedgerShard.persistenceId(name, 0).id())) {
      rows.add(((JobLedgerShard.Recorded) event).events().stream().map(JobEvent::jobId).toList());
    }
    assertEquals(List.of(List.of("job-0"), List.of("job-1", "job-2", "job-3")), rows);
  }

  @Test
  void largeTextsSpreadOverSeveralRowsAndAnOversizedOpStillGoesAlone() {
    String name = "large-" + ++ledgers;
    ActorRef<JobLedger.Command> ledger = testKit.spawn(JobLedger.create(name, Clock.systemUTC()));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();
    String quarter = "x".repeat(JobLedger.MAX_BATCH_CHARS / 4);
    String oversized = "y".repeat(JobLedger.MAX_BATCH_CHARS + 1);
    int ops = 12;
    for (int i = 0; i < ops; i++) {
      String prompt = i == 5 ? oversized : quarter;
      ledger.tell(new JobLedger.Apply("job-" + i,
          new JobOp.Submit(JobSpec.of(prompt, Instant.parse("2026-11-21T10:00:00Z"))), i,
          answers.ref()));
    }
    for (JobLedger.Answered answered : answers.receiveSeveralMessages(ops, TIMEOUT)) {
      assertInstanceOf(JobReply.Current.class, answered.reply());
    }

    List<Object> stored =
        journal.persistedInStorage(JobLedgerShard.persistenceId(name, 0).id());
    List<String> storedIds = new ArrayList<>();
    for (Object event : stored) {
      List<JobEvent> batch = ((JobLedgerShard.Recorded) event).events();
      long chars = batch.stream()
          .mapToLong(e -> ((JobEvent.Submitted) e).spec().prompt().length()).sum();
      assertTrue(batch.size() == 1 || chars <= JobLedger.MAX_BATCH_CHARS,
          "a row of " + batch.size() + " ops and " + chars + " chars");
      batch.forEach(e -> storedIds.add(e.jobId()));
    }
    assertEquals(java.util.stream.IntStream.range(0, ops).mapToObj(i -> "job-" + i).toList(),
        storedIds, "every submit stored once, in the order it arrived");
    assertTrue(stored.size() >= 4, "12 quarter-size prompts do not fit in fewer rows");
  }

  @Test
  void aBatchTheJournalRefusedIsAnsweredAsNotStoredAndTheLedgerCarriesOn() {
    String name = "refused-" + ++ledgers;
    ActorRef<JobLedger.Command> ledger = testKit.spawn(
        JobLedger.create(name, Clock.systemUTC(), 1, Duration.ofSeconds(2),
            JobLedger.DEFAULT_WRITE_INTERVAL));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();
    journal.failNextPersisted();

    ledger.tell(new JobLedger.Apply("job-lost", new JobOp.Submit(spec(1)), 1, answers.ref()));
    JobLedger.Answered refused = answers.receiveMessage(TIMEOUT);
    assertEquals(1, refused.ticket());
    assertNull(refused.reply(), "nothing may be claimed stored");
    assertNotNull(refused.failure());
    assertTrue(refused.failure().startsWith("the job store did not answer"), refused.failure());

    // during the backoff before a new shard, ops are answered at once as not stored
    ledger.tell(new JobLedger.Apply("job-lost", new JobOp.Get(), 2, answers.ref()));
    JobLedger.Answered meanwhile = answers.receiveMessage(Duration.ofMillis(150));
    assertNull(meanwhile.reply(), "answered before the new shard exists");
    assertTrue(meanwhile.failure().contains("recovering"), meanwhile.failure());

    // a new shard replaces the failed one after the backoff; the lost submit left nothing behind
    long ticket = 2;
    JobLedger.Answered found;
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    do {
      ledger.tell(new JobLedger.Apply("job-lost", new JobOp.Get(), ++ticket, answers.ref()));
      found = answers.receiveMessage(TIMEOUT);
      if (found.reply() == null) {
        answers.expectNoMessage(Duration.ofMillis(50)); // the backoff is 200 ms
      }
    } while (found.reply() == null && System.nanoTime() < deadline);
    assertInstanceOf(JobReply.NotFound.class, found.reply());
    ledger.tell(new JobLedger.Apply("job-lost", new JobOp.Submit(spec(1)), ++ticket, answers.ref()));
    JobLedger.Answered stored = answers.receiveMessage(TIMEOUT);
    assertEquals(ticket, stored.ticket());
    assertEquals(JobStatus.QUEUED,
        assertInstanceOf(JobReply.Current.class, stored.reply()).job().status());
  }

  @Test
  void aLedgerThatFailsOnABugAnswersTheOpsItHeldAndCarriesOn() {
    String name = "bug-" + ++ledgers;
    ActorRef<JobLedger.Command> ledger = testKit.spawn(JobLedger.supervised(name,
        Clock.systemUTC(), LedgerPart.all(1), JobLedger.DEFAULT_WRITE_INTERVAL));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();
    TestProbe<JobReply> requester = testKit.createTestProbe();

    // a submit without a spec stands for a bug: the ledger throws when it batches it
    ledger.tell(new JobLedger.Apply("job-bug", new JobOp.Submit(null), 7, answers.ref(),
        requester.ref()));
    JobLedger.Answered lost = answers.receiveMessage(TIMEOUT);
    assertEquals(7, lost.ticket());
    assertEquals(requester.ref(), lost.requester(), "carried back for the caller to answer");
    assertNull(lost.reply(), "nothing may be claimed stored");
    assertEquals("the job store did not answer: it failed and restarts", lost.failure());

    // the restarted ledger takes ops again
    ledger.tell(new JobLedger.Apply("job-ok", new JobOp.Submit(spec(1)), 8, answers.ref()));
    JobLedger.Answered stored = answers.receiveMessage(TIMEOUT);
    assertEquals(8, stored.ticket());
    assertEquals(JobStatus.QUEUED,
        assertInstanceOf(JobReply.Current.class, stored.reply()).job().status());
  }

  @Test
  void aLedgerHoldingOneShardJournalsItsJobsWhereTheWholeLedgerFindsThemAndRefusesOthers() {
    String name = "part-" + ++ledgers;
    int shards = 4;
    String mine = jobInShard(2, shards);
    String other = jobInShard(3, shards);
    ActorRef<JobLedger.Command> part = testKit.spawn(JobLedger.create(name, Clock.systemUTC(),
        LedgerPart.one(2, shards), Duration.ofSeconds(15), Duration.ZERO));
    TestProbe<JobLedger.Answered> answers = testKit.createTestProbe();

    part.tell(new JobLedger.Apply(mine, new JobOp.Submit(spec(1)), 1, answers.ref()));
    assertInstanceOf(JobReply.Current.class, answers.receiveMessage(TIMEOUT).reply());
    part.tell(new JobLedger.Apply(other, new JobOp.Submit(spec(2)), 2, answers.ref()));
    JobLedger.Answered refused = answers.receiveMessage(TIMEOUT);
    assertNull(refused.reply(), "another shard's job is not taken");
    assertEquals("job " + other + " belongs to ledger shard 3, not to this ledger's 2",
        refused.failure());
    assertEquals(1, journal.persistedInStorage(JobLedgerShard.persistenceId(name, 2).id()).size());
    testKit.stop(part);

    // the same journal read as a whole: the job is in the shard its id hashes to
    ActorRef<JobLedger.Command> whole = testKit.spawn(JobLedger.create(name, Clock.systemUTC(),
        shards, Duration.ZERO));
    TestProbe<JobLedger.AllJobs> all = testKit.createTestProbe();
    whole.tell(new JobLedger.GetJobs(TIMEOUT, all.ref()));
    List<Job> jobs = all.receiveMessage(TIMEOUT).jobs();
    assertEquals(List.of(mine), jobs.stream().map(Job::id).toList());
  }

  private static String jobInShard(int shard, int shards) {
    for (int i = 0; ; i++) {
      if (JobLedger.shardOf("job-" + i, shards) == shard) {
        return "job-" + i;
      }
    }
  }

  private static JobSpec spec(int n) {
    return JobSpec.of("prompt " + n, Instant.parse("2026-11-21T10:00:00Z"));
  }
}
